"""Each arm in one line, for the verdict's sentences and the report's legend.

Traditional arms are described one by one (as `default_baselines` builds
them); a deep arm is its network plus the phrases of its techniques, so that
any `+` join reads as a sentence.
"""

TRADITIONAL = {
    "svc_tuned": "tuned SVM: RBF kernel, C, gamma and scaling by inner CV",
    "svc": "SVM, RBF kernel, scikit-learn's defaults",
    "logistic_regression_tuned": "tuned logistic regression: C and scaling by inner CV",
    "nearest_neighbor": "1-nearest neighbour",
    "knn": "5-nearest neighbours, weighted by distance",
    "random_forest": "random forest of 100 trees",
    "hist_gradient_boosting": "histogram gradient boosting, leaves of 5 or more",
    "hist_gradient_boosting_tuned": "tuned gradient boosting: random search, inner CV",
    "decision_tree": "a single decision tree",
}
TECHNIQUES = {
    "augment": "augmentation",
    "synthetic": "synthetic samples of a conditional VAE",
    "transfer": "an encoder pretrained without labels",
    "semi": "semi-supervised FixMatch on the unlabeled pool",
}
NETWORKS = {"images": "CNN", "tabular": "MLP"}


def describe_arm(arm, data_kind=None):
    """One line on what `arm` is: `"CNN with augmentation"`, `"1-nearest neighbour"`.

    Args:
        arm: str. An arm's name.
        data_kind: `"images"`, `"tabular"` or `None` (unknown): names the deep
            arms' network.

    Returns:
        str. The arm's name itself when it is not a known arm.
    """
    if arm in TRADITIONAL:
        return TRADITIONAL[arm]
    network = NETWORKS.get(data_kind, "network")
    if arm == "scratch":
        return f"{network} trained from scratch"
    parts = arm.split("+")
    if not all(part in TECHNIQUES for part in parts):
        return arm
    phrases = [TECHNIQUES[part] for part in parts]
    if len(phrases) > 1:
        phrases = [", ".join(phrases[:-1]), phrases[-1]]
    return f"{network} with " + " and ".join(phrases)

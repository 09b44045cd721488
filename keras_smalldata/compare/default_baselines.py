"""`default_baselines`: traditional models that small-data deep models must beat."""

from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import Ridge
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import SVC, SVR
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from keras_smalldata.compare._tuned import TunedClassifier, TunedRegressor, _flatten

_TASKS = ("classification", "regression")
DATA_KINDS = ("tabular", "images", "series")


def default_baselines(task="classification", random_state=None, data_kind="tabular"):
    """Traditional estimators, as an expert would set them up for small data.

    On small data a traditional model often beats a neural network; these are
    the ones to beat. Each flattens higher-rank samples first (images
    `(n, h, w, c)` become `(n, h * w * c)`). Features are standardised
    (fitted on the training data only) for `data_kind="tabular"`, whose
    columns have unrelated units; images and series, whose features share one
    scale, stay raw, since standardising blows up near-constant border pixels.
    The `_tuned` models choose their hyperparameters by a stratified inner
    cross-validation (3 folds, fewer for tiny classes) on the data given to
    `fit` only, so the choice never sees test data:

    - `"svc_tuned"` (`"svr_tuned"`): RBF SVM; grid over standardising or not,
      C in 0.3-100 and gamma at 0.1-3 times scikit-learn's "scale" value.
    - `"svc"` (`"svr"`): RBF SVM with scikit-learn's defaults.
    - `"logistic_regression_tuned"` (`"ridge_tuned"`): linear model; grid over
      standardising or not and the regularisation strength.
    - `"nearest_neighbor"`: 1-nearest-neighbour (classification), strong on
      small image sets.
    - `"knn"`: 5-nearest-neighbours weighted by distance.
    - `"random_forest"`: 100 fully grown trees.
    - `"hist_gradient_boosting"`: with `min_samples_leaf=5` instead of 20,
      which would leave a few dozen samples with stumps.
    - `"hist_gradient_boosting_tuned"` (tabular only): a random search of 10
      settings (learning rate, iterations, leaves, leaf size, L2).
    - `"decision_tree"`: a single unpruned tree.

    Args:
        task: `"classification"` or `"regression"`. Defaults to
            `"classification"`.
        random_state: int or `None`. Seeds the randomised models and the inner
            folds. Defaults to `None`.
        data_kind: `"tabular"`, `"images"` or `"series"`. Defaults to
            `"tabular"`.

    Returns:
        dict `{name: unfitted estimator}`, ready for `ModelComparison`; add
        your Keras models to it.

    Example:

    >>> baselines = keras_smalldata.compare.default_baselines(random_state=0)
    >>> list(baselines)[:3]
    ['svc_tuned', 'svc', 'logistic_regression_tuned']
    """
    if task not in _TASKS:
        raise ValueError(
            f"default_baselines expects `task` in {list(_TASKS)}. "
            f"Received: task={task!r}"
        )
    if data_kind not in DATA_KINDS:
        raise ValueError(
            f"default_baselines expects `data_kind` in {list(DATA_KINDS)}. "
            f"Received: data_kind={data_kind!r}"
        )
    flatten = FunctionTransformer(_flatten)
    tabular = data_kind == "tabular"

    def prepared(estimator):
        if tabular:
            return make_pipeline(flatten, StandardScaler(), estimator)
        return make_pipeline(flatten, estimator)

    if task == "classification":
        baselines = {
            "svc_tuned": TunedClassifier(
                "svm", random_state=random_state, data_kind=data_kind
            ),
            "svc": prepared(SVC(kernel="rbf")),
            "logistic_regression_tuned": TunedClassifier(
                "logistic_regression", data_kind=data_kind, random_state=random_state
            ),
            "nearest_neighbor": prepared(KNeighborsClassifier(n_neighbors=1)),
            "knn": prepared(KNeighborsClassifier(n_neighbors=5, weights="distance")),
            "random_forest": make_pipeline(
                flatten,
                RandomForestClassifier(random_state=random_state),
            ),
            "hist_gradient_boosting": make_pipeline(
                flatten,
                HistGradientBoostingClassifier(
                    min_samples_leaf=5, random_state=random_state
                ),
            ),
            "decision_tree": make_pipeline(
                flatten,
                DecisionTreeClassifier(random_state=random_state),
            ),
        }
        tuned_boosting = TunedClassifier
    else:
        baselines = {
            "svr_tuned": TunedRegressor(
                "svm", random_state=random_state, data_kind=data_kind
            ),
            "svr": prepared(SVR(kernel="rbf")),
            "ridge_tuned": TunedRegressor(
                "ridge", random_state=random_state, data_kind=data_kind
            ),
            "ridge": prepared(Ridge()),
            "knn": prepared(KNeighborsRegressor(n_neighbors=5, weights="distance")),
            "random_forest": make_pipeline(
                flatten,
                RandomForestRegressor(random_state=random_state),
            ),
            "hist_gradient_boosting": make_pipeline(
                flatten,
                HistGradientBoostingRegressor(
                    min_samples_leaf=5, random_state=random_state
                ),
            ),
            "decision_tree": make_pipeline(
                flatten,
                DecisionTreeRegressor(random_state=random_state),
            ),
        }
        tuned_boosting = TunedRegressor
    if tabular:
        baselines["hist_gradient_boosting_tuned"] = tuned_boosting(
            "hist_gradient_boosting", data_kind=data_kind, random_state=random_state
        )
    return baselines

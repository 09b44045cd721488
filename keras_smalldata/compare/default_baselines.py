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
    models = _MODELS[task]

    def prepared(estimator):
        if tabular:
            return make_pipeline(flatten, StandardScaler(), estimator)
        return make_pipeline(flatten, estimator)

    def tuned(model):
        return models["tuned"](model, data_kind=data_kind, random_state=random_state)

    svm, linear = _NAMES[task]
    baselines = {
        f"{svm}_tuned": tuned("svm"),
        svm: prepared(models["svm"](kernel="rbf")),
        f"{linear}_tuned": tuned(linear),
    }
    if task == "classification":
        baselines["nearest_neighbor"] = prepared(KNeighborsClassifier(n_neighbors=1))
    else:
        baselines["ridge"] = prepared(Ridge())
    baselines.update(
        {
            "knn": prepared(models["knn"](n_neighbors=5, weights="distance")),
            "random_forest": make_pipeline(
                flatten, models["forest"](random_state=random_state)
            ),
            "hist_gradient_boosting": make_pipeline(
                flatten,
                models["boosting"](min_samples_leaf=5, random_state=random_state),
            ),
            "decision_tree": make_pipeline(
                flatten, models["tree"](random_state=random_state)
            ),
        }
    )
    if tabular:
        baselines["hist_gradient_boosting_tuned"] = tuned("hist_gradient_boosting")
    return baselines


_NAMES = {
    "classification": ("svc", "logistic_regression"),
    "regression": ("svr", "ridge"),
}
_CLASSIFY = {
    "svm": SVC,
    "knn": KNeighborsClassifier,
    "forest": RandomForestClassifier,
    "boosting": HistGradientBoostingClassifier,
    "tree": DecisionTreeClassifier,
    "tuned": TunedClassifier,
}
_MODELS = {
    "classification": _CLASSIFY,
    "regression": {
        "svm": SVR,
        "knn": KNeighborsRegressor,
        "forest": RandomForestRegressor,
        "boosting": HistGradientBoostingRegressor,
        "tree": DecisionTreeRegressor,
        "tuned": TunedRegressor,
    },
}

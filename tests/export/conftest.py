"""Fixtures: each model kind `export_for_serving` must handle."""

import keras
import pytest
from _export_models import MODEL_KINDS, classifier


@pytest.fixture(params=sorted(MODEL_KINDS))
def model_and_inputs(request):
    """Each model kind with a batch of its inputs."""
    keras.utils.set_random_seed(0)
    return MODEL_KINDS[request.param]()


@pytest.fixture
def augmenting_classifier():
    """The classifier kind, whose plain `model.export` keeps augmenting."""
    keras.utils.set_random_seed(0)
    return classifier()

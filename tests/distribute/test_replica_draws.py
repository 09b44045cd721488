"""Under MirroredStrategy with two replicas, our layers draw differently on each.

Every scenario calls the layer inside `strategy.run` with the same batch on both
replicas (see `_scenarios.py`, group "draws"). Without the replica fold in
`keras_smalldata._random.ReplicaSeedGenerator`, both replicas would return the
same augmented batch, as Keras' own layers do.
"""

import pytest

import keras_smalldata

pytestmark = pytest.mark.xdist_group("distribute_draws")

LAYERS = sorted(keras_smalldata.layers.__all__)


def test_every_public_layer_has_a_scenario(draws):
    assert sorted(draws("layers")) == LAYERS


@pytest.mark.parametrize("name", LAYERS)
def test_layer_draws_differ_between_replicas(draws, name):
    report = draws("layers")[name]
    assert report["changed"] == [True, True], "the layer did not augment"
    assert not report["replicas_equal"]


@pytest.mark.parametrize("name", LAYERS)
def test_seed_state_stays_mirrored(draws, name):
    # Only the seed handed to the random ops is folded: the state variable
    # advances identically on every replica, so checkpoints are unaffected.
    assert draws("layers")[name]["states_equal"]


def test_keras_random_rotation_draws_the_same_on_every_replica(draws):
    """Documents Keras 3.15.1's behaviour that the fold works around: its
    mirrored seed state gives every replica the same rotation for image i. If
    Keras starts folding in the replica id, this fails: update
    docs/distributed.md."""
    report = draws("keras_rotation")
    assert report["changed"] == [True, True]
    assert report["replicas_equal"]


def test_keras_layer_inside_random_apply_keeps_its_own_draws(draws):
    """RandomApply's choice is folded, but a wrapped Keras layer draws from its
    own seed generator: with rate=1 both replicas rotate identically. Documented
    as a limitation in docs/distributed.md."""
    report = draws("keras_layer_in_container")
    assert report["changed"] == [True, True]
    assert report["replicas_equal"]


def test_vae_latent_draws_differ_between_replicas(draws):
    assert not draws("vae_noise")["replicas_equal"]


@pytest.mark.parametrize("method", ["mixup", "cutmix"])
def test_mixing_runs_once_on_the_global_batch(draws, method):
    """`mixup`/`cutmix` datasets mix on the host before the strategy splits the
    batch, so each replica gets its own samples with their own weights: there
    is no per-replica draw to fold."""
    report = draws("mixing")[method]
    assert report["local_batch_sizes"] == [4, 4]
    first, second = report["own_weights"]
    assert first != second

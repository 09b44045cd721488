"""The verdict: pool-corrected test, sentences from the figures, power."""

import numpy as np
import pytest
from _study_fakes import make_result, make_results, two_arms

from keras_smalldata._statistics import corrected_ttest, pool_ttest
from keras_smalldata.study import deep_vs_traditional
from keras_smalldata.study._descriptions import describe_arm


def test_uses_the_pool_corrected_ttest_with_the_pool_fraction_of_the_frame():
    results = make_results()
    tests = deep_vs_traditional(results)
    assert list(tests["size"]) == [5, 10]
    assert list(tests["deep_arm"]) == ["cnn", "cnn"]
    assert list(tests["traditional_arm"]) == ["svc", "svc"]
    at_10 = results[results["size"] == 10].set_index(["arm", "repeat"])["value"]
    differences = (at_10["cnn"] - at_10["svc"]).to_numpy()
    # Each repeat's pool is its largest training set: 30 of 30 + 100 samples.
    fraction = 30 / 130
    expected = pool_ttest(differences, fraction)
    row = tests.iloc[1]
    assert row["pool_fraction"] == pytest.approx(fraction)
    assert row["difference"] == pytest.approx(0.07)
    assert row["p"] == pytest.approx(expected["p"])
    assert row["ci_low"] == pytest.approx(expected["ci_low"])
    assert row["half_width"] == pytest.approx(expected["ci_high"] - 0.07)
    assert row["n_repeats"] == 5
    # Nadeau-Bengio's n_test / n_train would give a far wider interval.
    nadeau_bengio = corrected_ttest(differences, n_train=30, n_test=100)
    assert nadeau_bengio["ci_high"] - nadeau_bengio["ci_low"] > 2 * (
        row["ci_high"] - row["ci_low"]
    )


def test_pool_fraction_comes_from_the_largest_size_at_every_size():
    results = make_results(n_test=270)  # 30 / (30 + 270) = 0.1
    tests = deep_vs_traditional(results)
    assert tests["pool_fraction"].tolist() == pytest.approx([0.1, 0.1])


def test_needs_set_sizes():
    with pytest.raises(ValueError, match=r"Missing: \['n_train', 'n_test'\]"):
        deep_vs_traditional(make_results(n_train=False))


def test_without_deep_arms_is_empty():
    results = make_results()
    tests = deep_vs_traditional(results[results["kind"] == "traditional"])
    assert tests.empty
    assert "sentence" in tests.columns


def test_one_repeat_has_nan_p_and_says_why():
    tests = deep_vs_traditional(make_results(repeats=1))
    assert tests["p"].isna().all()
    assert tests["underpowered"].all()
    assert "on 1 repeat(s): too few for a test" in tests["sentence"][0]


def test_sentence_deep_ahead_is_built_from_the_figures():
    results = two_arms([0.04, 0.035, 0.045, 0.04, 0.04])
    (test,) = deep_vs_traditional(make_result(results, kind="images")).to_dict(
        "records"
    )
    assert test["p"] < 0.05
    low, high = test["ci_low"], test["ci_high"]
    assert test["sentence"].startswith(
        "With 10 labelled images per class, `augment` (CNN with augmentation) is "
        "ahead of `svc_tuned` (tuned SVM: RBF kernel, C, gamma and scaling by "
        f"inner CV) by 0.040 (95% interval {low:.3f} to {high:.3f}; p "
    )
    # Other figures, another sentence: nothing in it is fixed text.
    other = deep_vs_traditional(two_arms([0.06, 0.055, 0.065, 0.06, 0.06]))
    assert "by 0.060 (95% interval" in other["sentence"][0]
    assert "labelled samples per class" in other["sentence"][0]


def test_sentence_traditional_ahead_turns_the_interval_around():
    (test,) = deep_vs_traditional(
        two_arms([-0.05, -0.045, -0.055, -0.05, -0.05])
    ).to_dict("records")
    assert test["difference"] == pytest.approx(-0.05)
    assert (
        f"`svc_tuned` (tuned SVM: RBF kernel, C, gamma and scaling by inner CV) "
        f"is ahead of `augment` (network with augmentation) by 0.050 (95% "
        f"interval {-test['ci_high']:.3f} to {-test['ci_low']:.3f}; p"
    ) in test["sentence"]


def test_sentence_when_the_arms_cannot_be_told_apart():
    (test,) = deep_vs_traditional(two_arms([0.03, -0.02, 0.01, -0.03, 0.02])).to_dict(
        "records"
    )
    assert test["p"] > 0.05
    assert "cannot be told apart: the difference is +0.002" in test["sentence"]
    assert f"p = {test['p']:.3f})." in test["sentence"]


def test_a_narrow_interval_with_enough_repeats_is_not_underpowered():
    (test,) = deep_vs_traditional(two_arms([0.04, 0.0401, 0.0399, 0.04, 0.04])).to_dict(
        "records"
    )
    assert test["half_width"] < 0.02
    assert not test["underpowered"]
    assert "Underpowered" not in test["sentence"]
    assert test["repeats_needed"] == 2


def test_a_wide_interval_is_underpowered_and_says_what_it_resolves():
    (test,) = deep_vs_traditional(two_arms([0.04, 0.025, 0.055, 0.035, 0.045])).to_dict(
        "records"
    )
    assert test["half_width"] > 0.02
    assert test["underpowered"]
    resolves = f"differences smaller than about {test['half_width']:.3f} cannot"
    assert f"Underpowered: with 5 repeats, {resolves}" in test["sentence"]
    needed = test["repeats_needed"]
    assert np.isfinite(needed) and needed > 5
    assert f"about {needed:.0f} repeats would resolve 0.02." in test["sentence"]


def test_a_spread_no_repeats_can_resolve_says_so():
    # The pools' overlap puts a floor under the variance.
    (test,) = deep_vs_traditional(two_arms([0.2, -0.2, 0.25, -0.25, 0.0])).to_dict(
        "records"
    )
    assert test["repeats_needed"] == np.inf
    assert "no number of repeats would resolve 0.02" in test["sentence"]


def test_two_repeats_are_underpowered_even_when_narrow():
    (test,) = deep_vs_traditional(two_arms([0.04, 0.0401])).to_dict("records")
    assert test["half_width"] < 0.02
    assert test["underpowered"]
    assert "2 repeats are too few for a usable interval" in test["sentence"]


def test_every_arm_and_technique_has_a_description():
    from keras_smalldata.study._arms import DEEP, TRADITIONAL
    from keras_smalldata.study._deep_arm import TECHNIQUES

    for arm in TRADITIONAL:
        assert describe_arm(arm) != arm
    for technique in TECHNIQUES:
        assert describe_arm(technique, "images").startswith("CNN with ")
    for kind, arms in DEEP.items():
        for arm in arms:
            assert describe_arm(arm, kind) != arm
    assert describe_arm("augment+synthetic+transfer", "tabular") == (
        "MLP with augmentation, synthetic samples of a conditional VAE and an "
        "encoder pretrained without labels"
    )
    assert describe_arm("scratch") == "network trained from scratch"
    assert describe_arm("mystery") == "mystery"

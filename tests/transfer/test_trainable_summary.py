import keras
import numpy as np

import keras_smalldata.transfer as kst

COLUMNS = [
    "layer",
    "type",
    "trainable",
    "batchnorm_mode",
    "trainable_params",
    "frozen_params",
]


def test_rows_after_unfreeze(make_classifier):
    model = make_classifier(compile=False)
    kst.unfreeze(model, last_n=2)  # conv3 and the head; BatchNorm kept frozen
    table = kst.trainable_summary(model)
    assert list(table.columns) == COLUMNS
    assert table.values.tolist() == [
        ["backbone_conv1", "Conv2D", False, "", 0, 40],
        ["backbone_bn1", "BatchNormalization", False, "inference", 0, 16],
        ["backbone_conv2", "Conv2D", False, "", 0, 148],
        ["backbone_bn2", "BatchNormalization", False, "inference", 0, 16],
        ["backbone_conv3", "Conv2D", True, "", 222, 0],
        ["head", "Dense", True, "", 6 * 3 + 3, 0],
    ]
    # The totals agree with Keras' own counts.
    trainable = sum(int(np.prod(v.shape)) for v in model.trainable_weights)
    frozen = sum(int(np.prod(v.shape)) for v in model.non_trainable_weights)
    assert table["trainable_params"].sum() == trainable
    assert table["frozen_params"].sum() == frozen


def test_trainable_batchnorm_splits_its_parameters(backbone):
    kst.unfreeze(backbone, keep_batchnorm_frozen=False)
    table = kst.trainable_summary(backbone).set_index("layer")
    row = table.loc["backbone_bn1"]
    assert row["batchnorm_mode"] == "training"
    # gamma and beta train; the moving mean and variance never do.
    assert (row["trainable_params"], row["frozen_params"]) == (8, 8)


def test_layers_without_weights_are_left_out_and_the_table_prints(backbone):
    table = kst.trainable_summary(backbone)
    assert "re_lu" not in " ".join(table["layer"])
    assert len(table) == 5
    text = str(table)
    assert "backbone_conv3" in text and "BatchNormalization" in text


def test_empty_model():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Flatten()])
    table = kst.trainable_summary(model)
    assert list(table.columns) == COLUMNS
    assert table.empty

"""One draw moves an image, its segmentation mask and its bounding boxes alike.

The image layers take Keras' dict `{"images", "labels", "bounding_boxes",
"segmentation_masks"}`. The images here are painted from a label map, so the
mask is a function of the image (`label_of`): after a geometric layer sampling
with nearest neighbours, that function must still hold pixel for pixel. Boxes
are compared with a NumPy reference computed from the layer's own draw
(`get_random_transformation` of a layer with the same seed), and with the
pixels they are meant to enclose.
"""

import json

import keras
import numpy as np
import pytest
from _backend_marks import TF_DATA, tensorflow_only

from keras_smalldata import layers
from keras_smalldata.layers.trivial_augment import OPS

SIZE = 32
GEOMETRIC = [
    i
    for i, (name, _, _) in enumerate(OPS)
    if name in ("shear_x", "shear_y", "translate_x", "translate_y", "rotate")
]
# Label k is painted as (40 k, 255 - 40 k, 20 k): distinct in every channel.
NUM_LABELS = 5


def paint(labels):
    """uint8 images `(..., 3)` from an integer label map `(...)`."""
    return np.stack([40 * labels, 255 - 40 * labels, 20 * labels], -1).astype("uint8")


def label_of(images):
    """The label map an image was painted from (0 where a geometric op filled)."""
    return np.round(np.asarray(images, "float32")[..., 0] / 40).astype("int64")


def label_maps(rng, batch):
    """Blocky random label maps `(batch, SIZE, SIZE)`, 4x4 blocks."""
    blocks = rng.integers(0, NUM_LABELS, (batch, SIZE // 4, SIZE // 4))
    return np.repeat(np.repeat(blocks, 4, axis=1), 4, axis=2)


def sample(rng, batch=8):
    labels = label_maps(rng, batch)
    masks = labels[..., None].astype("int32")
    return {"images": paint(labels), "segmentation_masks": masks}


def square_boxes(rng, batch, num=3):
    """xyxy boxes `(batch, num, 4)` of 4 to 12 pixels inside the image."""
    size = rng.uniform(4, 12, (batch, num, 2))
    corner = rng.uniform(0, SIZE - size)
    return np.concatenate([corner, corner + size], -1).astype("float32")


def with_boxes(data, boxes):
    labels = np.tile(np.arange(1, boxes.shape[1] + 1, dtype="int32"), (len(boxes), 1))
    return {**data, "bounding_boxes": {"boxes": boxes, "labels": labels}}


def crop_reference(boxes, labels, crop, out_size):
    """NumPy: xyxy boxes after cropping (top, left, h, w) and resizing to out_size."""
    top, left, height, width = (crop[:, i, None] for i in range(4))
    x1 = (boxes[..., 0] - left) * out_size / width
    y1 = (boxes[..., 1] - top) * out_size / height
    x2 = (boxes[..., 2] - left) * out_size / width
    y2 = (boxes[..., 3] - top) * out_size / height
    moved = np.clip(np.stack([x1, y1, x2, y2], -1), 0, out_size)
    area = (moved[..., 2] - moved[..., 0]) * (moved[..., 3] - moved[..., 1])
    return moved, np.where(area > 0, labels, -1)


def assert_same_entries(out, data, skip=()):
    """`out` holds `data`'s keys, and the same values (dtypes too) but `skip`."""
    assert out.keys() == data.keys()
    for key in set(data) - set(skip):
        for got, given in zip(
            keras.tree.flatten(out[key]), keras.tree.flatten(data[key]), strict=True
        ):
            got = keras.ops.convert_to_numpy(got)
            assert got.dtype == np.asarray(given).dtype, key
            np.testing.assert_array_equal(got, given)


def canonical(images):
    return keras.ops.cast(keras.ops.convert_to_tensor(images), "float32")


# Masks.


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_crop_moves_image_and_mask_alike(rng, training, data_format):
    data = sample(rng)
    layer = layers.RandomResizedCrop(
        12, 12, interpolation="nearest", seed=3, data_format=data_format
    )
    if data_format == "channels_first":
        data = {k: np.transpose(v, (0, 3, 1, 2)) for k, v in data.items()}
    out = layer(data, training=training)
    images, masks = np.asarray(out["images"]), np.asarray(out["segmentation_masks"])
    if data_format == "channels_first":
        images, masks = np.moveaxis(images, 1, -1), np.moveaxis(masks, 1, -1)
    assert images.shape == (8, 12, 12, 3) and masks.shape == (8, 12, 12, 1)
    assert masks.dtype == data["segmentation_masks"].dtype
    np.testing.assert_array_equal(masks[..., 0], label_of(images))
    if training:  # each image got its own crop
        assert len({m.tobytes() for m in masks}) == len(masks)


def test_flipping_crop_moves_image_and_mask_alike(rng):
    data = sample(rng)
    layer = layers.RandomResizedCrop(
        12, 12, interpolation="nearest", horizontal_flip=True, seed=3
    )
    out = layer(data, training=True)
    masks = np.asarray(out["segmentation_masks"])
    np.testing.assert_array_equal(masks[..., 0], label_of(out["images"]))
    flips = np.asarray(
        layer.get_random_transformation(canonical(data["images"]))["flip"]
    )
    assert 0 < flips.sum() < len(flips)  # seed 3 flips some images, not all


def test_crop_of_a_single_image_and_its_mask(rng):
    data = {k: v[0] for k, v in sample(rng, 1).items()}
    out = layers.RandomResizedCrop(12, 12, interpolation="nearest", seed=0)(
        data, training=True
    )
    assert tuple(out["segmentation_masks"].shape) == (12, 12, 1)
    np.testing.assert_array_equal(
        np.asarray(out["segmentation_masks"])[..., 0], label_of(out["images"])
    )


def test_trivial_augment_moves_masks_with_its_geometric_operations(rng):
    data = sample(rng, batch=48)
    make = lambda: layers.TrivialAugment(interpolation="nearest", seed=5)  # noqa: E731
    out = make()(data, training=True)
    op = np.asarray(make().get_random_transformation(canonical(data["images"]))["op"])
    moves = np.isin(op, GEOMETRIC)
    assert 3 <= moves.sum() < len(op)  # both kinds were drawn
    images, masks = np.asarray(out["images"]), np.asarray(out["segmentation_masks"])
    # Geometric operations: the mask still is the image's label map.
    np.testing.assert_array_equal(masks[moves, ..., 0], label_of(images[moves]))
    assert not np.array_equal(masks[moves], data["segmentation_masks"][moves])
    # Photometric ones change the values and leave the mask alone.
    np.testing.assert_array_equal(masks[~moves], data["segmentation_masks"][~moves])


@pytest.mark.parametrize(
    "layer",
    [
        layers.RandomGaussianNoise(0.1, seed=0),
        layers.RandomSaltPepper(0.2, seed=0),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_noise_layers_pass_masks_boxes_and_labels_through(rng, layer):
    data = with_boxes(sample(rng), square_boxes(rng, 8))
    data["labels"] = np.arange(8, dtype="int32")
    out = layer(data, training=True)
    assert not np.array_equal(out["images"], data["images"])
    assert_same_entries(out, data, skip=("images",))


def test_layers_that_do_not_augment_return_the_dict_as_given(rng):
    data = with_boxes(sample(rng), square_boxes(rng, 8))
    out = layers.TrivialAugment(bounding_box_format="xyxy")(data)
    assert out is not data
    assert_same_entries(out, data)


# Boxes.


@pytest.mark.parametrize("fmt", ["xyxy", "rel_yxyx", "center_xywh"])
@pytest.mark.parametrize("training", [True, False])
def test_boxes_follow_the_crop(rng, fmt, training):
    data = sample(rng)
    boxes = square_boxes(rng, 8)
    convert = keras.utils.bounding_boxes.convert_format
    given = np.asarray(convert(boxes, "xyxy", fmt, height=SIZE, width=SIZE))
    make = lambda: layers.RandomResizedCrop(  # noqa: E731
        16, 16, scale=(0.2, 0.6), bounding_box_format=fmt, seed=7
    )
    out = make()(with_boxes(data, given), training=training)["bounding_boxes"]
    moved = np.asarray(convert(out["boxes"], fmt, "xyxy", height=16, width=16))
    crop = make().get_random_transformation(
        canonical(data["images"]), training=training
    )["crop"]
    labels = np.tile([1, 2, 3], (8, 1))
    expected, expected_labels = crop_reference(boxes, labels, np.asarray(crop), 16)
    np.testing.assert_allclose(moved, expected, atol=1e-3)
    np.testing.assert_array_equal(out["labels"], expected_labels)


def test_boxes_follow_a_flipping_crop(rng):
    data = sample(rng)
    boxes = square_boxes(rng, 8)
    make = lambda: layers.RandomResizedCrop(  # noqa: E731
        16,
        16,
        scale=(0.2, 0.6),
        horizontal_flip=True,
        bounding_box_format="xyxy",
        seed=7,
    )
    out = make()(with_boxes(data, boxes), training=True)["bounding_boxes"]
    transformation = make().get_random_transformation(canonical(data["images"]))
    labels = np.tile([1, 2, 3], (8, 1))
    expected, expected_labels = crop_reference(
        boxes, labels, np.asarray(transformation["crop"]), 16
    )
    flip = np.asarray(transformation["flip"])[:, None]
    x1, x2 = expected[..., 0].copy(), expected[..., 2].copy()
    expected[..., 0] = np.where(flip, 16 - x2, x1)
    expected[..., 2] = np.where(flip, 16 - x1, x2)
    assert flip.any() and not flip.all()
    np.testing.assert_allclose(np.asarray(out["boxes"]), expected, atol=1e-3)
    np.testing.assert_array_equal(out["labels"], expected_labels)


def test_boxes_that_leave_the_crop_get_the_label_minus_one(rng):
    # A quarter of the image never holds both the top-left and the bottom-right
    # corner, so one of the two boxes leaves every crop.
    corners = np.array([[0, 0, 2, 2], [30, 30, 32, 32]], "float32")
    data = with_boxes(sample(rng), np.tile(corners, (8, 1, 1)))
    layer = layers.RandomResizedCrop(
        16, 16, scale=(0.25, 0.25), ratio=(1, 1), bounding_box_format="xyxy", seed=1
    )
    out = layer(data, training=True)["bounding_boxes"]
    boxes, labels = np.asarray(out["boxes"]), np.asarray(out["labels"])
    assert boxes.shape == (8, 2, 4)  # rows are kept, as in Keras
    assert np.all((labels == -1).sum(axis=1) >= 1)
    area = (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])
    np.testing.assert_array_equal(area[labels == -1], 0)
    assert np.all(boxes >= 0) and np.all(boxes <= 16)


def boxed_square(rng, batch):
    """Black images with one white square each, its mask and its xyxy box."""
    images = np.zeros((batch, SIZE, SIZE, 3), "uint8")
    boxes = np.zeros((batch, 1, 4), "float32")
    for i in range(batch):
        x, y = rng.integers(8, 16, 2)
        images[i, y : y + 8, x : x + 8] = 255
        boxes[i, 0] = (x, y, x + 8, y + 8)
    masks = (images[..., :1] > 0).astype("uint8")
    return with_boxes({"images": images, "segmentation_masks": masks}, boxes)


def extent(mask):
    """xyxy pixel-edge box of the nonzero pixels of a 2D mask."""
    rows, cols = np.nonzero(mask)
    return np.array([cols.min(), rows.min(), cols.max() + 1, rows.max() + 1])


def test_trivial_augment_boxes_enclose_the_moved_pixels(rng):
    data = boxed_square(rng, 48)
    out = layers.TrivialAugment(
        interpolation="nearest", bounding_box_format="xyxy", seed=2
    )(data, training=True)
    masks = np.asarray(out["segmentation_masks"])[..., 0]
    boxes = np.asarray(out["bounding_boxes"]["boxes"])[:, 0]
    op = np.asarray(
        layers.TrivialAugment(seed=2).get_random_transformation(
            canonical(data["images"])
        )["op"]
    )
    names = [OPS[i][0] for i in op]
    for name, mask, box, given in zip(
        names, masks, boxes, data["bounding_boxes"]["boxes"][:, 0], strict=True
    ):
        if name in ("shear_x", "shear_y", "translate_x", "translate_y", "rotate"):
            # The box encloses the moved square: nearest-neighbour sampling
            # puts its pixels up to half a pixel (a diagonal one when rotated)
            # beyond the moved corners.
            found = extent(mask)
            assert np.all(found[:2] >= box[:2] - 1), name
            assert np.all(found[2:] <= box[2:] + 1), name
            if name.startswith("translate"):
                np.testing.assert_allclose(box, found, atol=1.0)
        else:
            np.testing.assert_allclose(box, given, atol=1e-5)
    assert {"rotate", "translate_x", "brightness"} <= set(names)


def test_trivial_augment_translation_matches_numpy(rng):
    data = boxed_square(rng, 48)
    make = lambda: layers.TrivialAugment(  # noqa: E731
        bounding_box_format="xyxy", seed=4
    )
    out = make()(data, training=True)["bounding_boxes"]["boxes"]
    draw = make().get_random_transformation(canonical(data["images"]))
    op, magnitude = np.asarray(draw["op"]), np.asarray(draw["magnitude"])
    given = data["bounding_boxes"]["boxes"]
    shift_x = np.where(op == 3, magnitude * SIZE, 0.0)[:, None]
    shift_y = np.where(op == 4, magnitude * SIZE, 0.0)[:, None]
    expected = given + np.stack([shift_x, shift_y, shift_x, shift_y], -1)
    moved = np.isin(op, [3, 4])
    assert moved.any()
    np.testing.assert_allclose(
        np.asarray(out)[moved], np.clip(expected[moved], 0, SIZE), atol=1e-3
    )


# Containers and Keras' own layers.


def test_a_keras_flip_and_our_crop_in_one_sequential(rng):
    data = boxed_square(rng, 8)
    data["labels"] = np.arange(8, dtype="int32")
    model = keras.Sequential(
        [
            keras.layers.RandomFlip("horizontal", bounding_box_format="xyxy", seed=1),
            layers.RandomResizedCrop(
                24,
                24,
                scale=(0.6, 1.0),
                interpolation="nearest",
                bounding_box_format="xyxy",
                seed=2,
            ),
        ]
    )
    out = model(dict(data), training=True)
    images, masks = np.asarray(out["images"]), np.asarray(out["segmentation_masks"])
    assert images.shape == (8, 24, 24, 3) and masks.shape == (8, 24, 24, 1)
    np.testing.assert_array_equal(masks[..., 0], images[..., 0] > 127)
    np.testing.assert_array_equal(out["labels"], np.arange(8))
    boxes = np.asarray(out["bounding_boxes"]["boxes"])[:, 0]
    for mask, box in zip(masks[..., 0] > 0, boxes, strict=True):
        if mask.any():
            np.testing.assert_allclose(extent(mask), box, atol=1.0)


@pytest.mark.parametrize("container", ["RandomApply", "RandomChoice"])
def test_containers_apply_one_draw_to_every_entry(rng, container):
    data = with_boxes(sample(rng, 16), square_boxes(rng, 16))
    crop = layers.RandomResizedCrop(
        SIZE,
        SIZE,
        scale=(0.3, 0.6),
        interpolation="nearest",
        bounding_box_format="xyxy",
        seed=1,
    )
    if container == "RandomApply":
        layer = layers.RandomApply(crop, rate=0.5, seed=0)
    else:
        flip = keras.layers.RandomFlip(
            "horizontal_and_vertical", bounding_box_format="xyxy", seed=2
        )
        layer = layers.RandomChoice([crop, flip], seed=0)
    out = layer(data, training=True)
    images, masks = np.asarray(out["images"]), np.asarray(out["segmentation_masks"])
    assert images.dtype == "uint8" and masks.dtype == data["segmentation_masks"].dtype
    np.testing.assert_array_equal(masks[..., 0], label_of(images))
    boxes = np.asarray(out["bounding_boxes"]["boxes"])
    kept = np.all(images == data["images"], axis=(1, 2, 3))
    # Images left alone keep their boxes; moved images moved theirs.
    np.testing.assert_allclose(
        boxes[kept], data["bounding_boxes"]["boxes"][kept], atol=1e-4
    )
    assert not np.allclose(boxes[~kept], data["bounding_boxes"]["boxes"][~kept])
    if container == "RandomApply":
        assert 0 < kept.sum() < len(kept)


def test_a_functional_model_on_the_dict(rng):
    inputs = {
        "images": keras.Input((SIZE, SIZE, 3), dtype="uint8", name="images"),
        "segmentation_masks": keras.Input(
            (SIZE, SIZE, 1), dtype="int32", name="segmentation_masks"
        ),
    }
    layer = layers.RandomResizedCrop(16, 16, interpolation="nearest", seed=0)
    outputs = layer(inputs)
    assert tuple(outputs["segmentation_masks"].shape) == (None, 16, 16, 1)
    model = keras.Model(inputs, outputs)
    data = sample(rng)
    data["segmentation_masks"] = data["segmentation_masks"].astype("int32")
    out = model.predict(data, verbose=0)
    np.testing.assert_array_equal(
        out["segmentation_masks"][..., 0], label_of(out["images"])
    )


@tensorflow_only(TF_DATA)
def test_tf_data_map_on_the_dict(rng):
    import tensorflow as tf

    data = with_boxes(sample(rng, 16), square_boxes(rng, 16))
    layer = layers.TrivialAugment(
        interpolation="nearest", bounding_box_format="xyxy", seed=0
    )
    dataset = tf.data.Dataset.from_tensor_slices(data).batch(8)
    batches = list(dataset.map(lambda d: layer(d, training=True)).as_numpy_iterator())
    assert len(batches) == 2
    for batch in batches:
        assert batch["bounding_boxes"]["boxes"].shape == (8, 3, 4)
        assert batch["segmentation_masks"].shape == (8, SIZE, SIZE, 1)


# Arguments and inputs.


def test_bounding_box_format_is_checked_and_saved():
    with pytest.raises(ValueError, match="Received: bounding_box_format='xyz'"):
        layers.RandomResizedCrop(8, 8, bounding_box_format="xyz")
    layer = layers.TrivialAugment(
        interpolation="nearest", bounding_box_format="rel_yxyx"
    )
    config = layer.get_config()
    clone = layers.TrivialAugment.from_config(config)
    assert clone.bounding_box_format == "rel_yxyx"
    assert clone.interpolation == "nearest"
    assert json.dumps(clone.get_config(), sort_keys=True) == json.dumps(
        config, sort_keys=True
    )
    with pytest.raises(ValueError, match="Received: interpolation='cubic'"):
        layers.TrivialAugment(interpolation="cubic")


def test_boxes_without_a_format_raise(rng):
    data = with_boxes(sample(rng), square_boxes(rng, 8))
    with pytest.raises(ValueError, match="Received: bounding_box_format=None"):
        layers.RandomResizedCrop(8, 8)(data, training=True)


@pytest.mark.parametrize(
    "change, match",
    [
        ({"masks": np.zeros(8)}, "Received: a dict with the keys"),
        ({"images": None}, "Received: a dict with the keys"),
        (
            {"segmentation_masks": np.zeros((8, 16, 16, 1))},
            r"Received: segmentation_masks.shape=\(8, 16, 16, 1\)",
        ),
        (
            {"bounding_boxes": {"boxes": np.zeros((8, 3)), "labels": np.zeros(8)}},
            r"Received: bounding_boxes\['boxes'\].shape=\(8, 3\)",
        ),
        ({"bounding_boxes": np.zeros((8, 1, 4))}, "Received: bounding_boxes="),
    ],
)
def test_bad_dict_inputs_raise(rng, change, match):
    data = {**sample(rng), **change}
    if data["images"] is None:
        del data["images"]
    layer = layers.RandomResizedCrop(8, 8, bounding_box_format="xyxy")
    with pytest.raises(ValueError, match=match):
        layer(data, training=True)

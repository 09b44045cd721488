"""Apply a different function to each group of images in a batch.

Per-image augmentation that picks one of several operations per image must not run
every operation on every image and select afterwards: that is why
`keras.layers.RandAugment` is slow. Under the TensorFlow backend (which is also what
runs inside `tf.data`), `tf.dynamic_partition` / `tf.dynamic_stitch` send each image
through its own operation only. Measured with `benchmarks/augmentation_throughput.py`
this is what makes `TrivialAugment` an order of magnitude faster than RandAugment.
`keras.ops` has no equivalent (the shapes are data dependent, which JAX's `jit`
forbids), so other backends fall back to computing each group's function on the
whole batch and selecting per image: correct, but slower.
"""

import keras
from keras import ops


def apply_by_group(fns, group_ids, images, *per_image_args):
    """Returns `fns[group_ids[i]](images[i:i+1], *args[i:i+1])` stitched back.

    Args:
        fns: list of callables `fn(images, *per_image_args) -> images` that keep the
            shape and dtype of the images they get (any batch size, including 0).
        group_ids: int32 tensor of shape `(batch,)` with values in
            `[0, len(fns))`.
        images: tensor of shape `(batch, ...)`.
        *per_image_args: tensors of shape `(batch, ...)`, split like `images`.
    """
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        num = len(fns)
        group_ids = tf.cast(group_ids, "int32")
        positions = tf.dynamic_partition(tf.range(tf.shape(images)[0]), group_ids, num)
        image_parts = tf.dynamic_partition(images, group_ids, num)
        arg_parts = [tf.dynamic_partition(a, group_ids, num) for a in per_image_args]
        outputs = []
        for i, fn in enumerate(fns):
            part, args = image_parts[i], [parts[i] for parts in arg_parts]
            # Empty groups are skipped (several Keras reductions reject them).
            outputs.append(
                tf.cond(
                    tf.shape(part)[0] > 0,
                    lambda fn=fn, part=part, args=args: fn(part, *args),
                    lambda part=part: part,
                )
            )
        stitched = tf.dynamic_stitch(positions, outputs)
        # dynamic_stitch loses the static shape; restore it.
        return tf.ensure_shape(stitched, images.shape)
    result = images
    rank = len(images.shape)
    for i, fn in enumerate(fns):
        mask = ops.reshape(ops.equal(group_ids, i), (-1,) + (1,) * (rank - 1))
        result = ops.where(mask, fn(images, *per_image_args), result)
    return result

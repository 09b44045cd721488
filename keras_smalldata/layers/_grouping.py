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
from keras import ops, tree


def apply_by_group(fns, group_ids, images, *per_image_args):
    """Returns `fns[group_ids[i]](images[i:i+1], *args[i:i+1])` stitched back.

    Args:
        fns: list of callables `fn(images, *per_image_args) -> images` that keep the
            structure, shapes and dtypes of the images they get (any batch size,
            including 0).
        group_ids: int32 tensor of shape `(batch,)` with values in
            `[0, len(fns))`.
        images: tensor of shape `(batch, ...)`, or a nested structure of such
            tensors (Keras' dict of images, masks and boxes), split alike.
        *per_image_args: tensors of shape `(batch, ...)`, split like `images`.
    """
    leaves = tree.flatten(images)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        num = len(fns)
        group_ids = tf.cast(group_ids, "int32")
        positions = tf.dynamic_partition(
            tf.range(tf.shape(leaves[0])[0]), group_ids, num
        )
        leaf_parts = [tf.dynamic_partition(leaf, group_ids, num) for leaf in leaves]
        arg_parts = [tf.dynamic_partition(a, group_ids, num) for a in per_image_args]
        outputs = []
        for i, fn in enumerate(fns):
            part = tree.pack_sequence_as(images, [p[i] for p in leaf_parts])
            args = [parts[i] for parts in arg_parts]
            # Empty groups are skipped (several Keras reductions reject them).
            output = tf.cond(
                tf.shape(leaf_parts[0][i])[0] > 0,
                lambda fn=fn, part=part, args=args: fn(part, *args),
                lambda part=part: part,
            )
            outputs.append(tree.flatten(output))
        # dynamic_stitch loses the static shape; restore it.
        stitched = [
            tf.ensure_shape(
                tf.dynamic_stitch(positions, [out[j] for out in outputs]), leaf.shape
            )
            for j, leaf in enumerate(leaves)
        ]
        return tree.pack_sequence_as(images, stitched)
    result = leaves
    for i, fn in enumerate(fns):
        chosen = ops.equal(group_ids, i)
        output = tree.flatten(fn(images, *per_image_args))
        result = [
            ops.where(ops.reshape(chosen, (-1,) + (1,) * (len(r.shape) - 1)), o, r)
            for o, r in zip(output, result, strict=True)
        ]
    return tree.pack_sequence_as(images, result)

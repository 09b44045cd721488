"""Whether TensorFlow is tracing code that XLA will compile.

Some fast TensorFlow CPU paths do not compile with XLA: the crop slices each
image to a box of drawn size (XLA needs static shapes; before, it used
`tf.image.crop_and_resize`, which has no XLA kernel), and the noise calls its
own `jit_compile` kernel image by image. Under `tf.function(jit_compile=True)`,
which is what Keras' `fit` uses with `jit_compile=True` (the default on a GPU),
they would fail ("No registered 'CropAndResize' OpKernel for XLA_CPU_JIT
devices" was the crop's error). Our kernels then take their `keras.ops` form,
which XLA compiles and fuses with its neighbours.

TensorFlow marks a graph traced for XLA with an XLA control-flow context that
only its private `control_flow_util` reads (its own `cond_v2` and `while_v2`
branch on it the same way). That private import lives here and nowhere else.
"""


def in_xla_context():
    """True while tracing a TensorFlow graph (or a graph nested in one) that
    will be compiled with XLA; False eagerly and in plain `tf.function`s."""
    import tensorflow as tf
    from tensorflow.python.ops import control_flow_util

    if tf.executing_eagerly():
        return False
    graph = tf.compat.v1.get_default_graph()
    return control_flow_util.GraphOrParentsInXlaContext(graph)

"""`export_for_serving`: a TF Serving SavedModel with augmentation turned off."""

import os

import keras

from keras_smalldata.export import _signature, _versions, _warmup


def export_for_serving(
    model, export_dir, version=None, input_signature=None, warmup_inputs=None
):
    """Exports a model for TensorFlow Serving with every augmentation layer inert.

    `model.export(path)` traces the model without `training=False`, so Keras'
    random augmentation layers (`RandomFlip`, `RandomRotation`, ...) keep
    augmenting in the served SavedModel: two requests with the same input get
    different answers. `export_for_serving` traces `model(inputs,
    training=False)` instead, which turns off every augmentation layer (Keras'
    and keras_smalldata's), dropout, and puts batch normalization in inference
    mode.

    It writes TF Serving's layout, `export_dir/<version>/`, holding a SavedModel
    with two identical signatures, `serving_default` and `serve`. Signature
    inputs keep the model's input names and dtypes (a `uint8` image input takes
    the `uint8` pixels a client sends); outputs are named `output_0`,
    `output_1`, ... or by the model's output dict keys. The version appears
    atomically: it is written to a hidden temporary directory inside
    `export_dir` and renamed once complete, so a failed export leaves nothing
    behind and a running server never sees a half-written version.

    Args:
        model: `keras.Model`. A built model. Functional and Sequential models
            give their input signature themselves; a subclassed model needs
            `input_signature`.
        export_dir: `str` or `os.PathLike`. TF Serving's model base path, e.g.
            `models/flowers`. Created if missing; must not be a file.
        version: `int`. The version directory to write. It must not exist yet.
            Defaults to `None`: one more than the largest numeric subdirectory
            of `export_dir`, starting at 1.
        input_signature: The model's inputs as `tf.TensorSpec`s (or
            `keras.InputSpec`s): one spec, or a list or dict of specs shaped
            like the `inputs` argument of `model(inputs)`. Unnamed specs are
            named after their dict key, else `inputs` / `inputs_<i>`. Defaults
            to `None`: names, dtypes and shapes of `model.inputs`, with a free
            batch dimension.
        warmup_inputs: One batch of inputs (an array, or a list or dict of
            arrays like `model.predict` takes) to also write as
            `assets.extra/tf_serving_warmup_requests`, a `PredictionLog` record
            TF Serving replays at load time so the first real request is not
            slow. Needs `pip install "keras-smalldata[serving]"`. Defaults to
            `None`: no warmup file.

    Returns:
        The path of the written version directory, `export_dir/<version>`.

    Raises:
        TypeError: if `model` is not a `keras.Model` or `export_dir` not a path.
        ValueError: if `model` is not built, `export_dir` is a file, `version`
            is not a positive int or already exists, or `warmup_inputs` does
            not match the input signature. Existing content is never touched.
        ImportError: if `warmup_inputs` is given and tensorflow-serving-api is
            not installed.

    Example:

    >>> inputs = keras.Input((8, 8, 3), dtype="uint8", name="image")
    >>> x = keras.layers.Rescaling(1 / 255)(inputs)
    >>> x = keras.layers.RandomFlip(seed=0)(x)  # inert in the export
    >>> x = keras.layers.GlobalAveragePooling2D()(x)
    >>> model = keras.Model(inputs, keras.layers.Dense(3)(x))
    >>> keras_smalldata.export.export_for_serving(model, "models/flowers")
    'models/flowers/1'

    Serve it with `tensorflow_model_server --model_base_path=$PWD/models/flowers`
    and check it first with `keras_smalldata.export.verify_export`.
    """
    if not isinstance(model, keras.Model):
        raise TypeError(
            "`model` must be a `keras.Model`. "
            f"Received: model={model!r} of type {type(model)}"
        )
    if not model.built:
        raise ValueError(
            "`model` must be built before export: create it from `keras.Input`, "
            "call `model.build(input_shape)` or call it on data once. "
            f"Received: model={model.name!r} with model.built=False"
        )
    export_dir = _versions.check_export_dir(export_dir)
    version = _versions.check_version(version)
    if input_signature is None:
        signature = _signature.signature_from_model(model)
    else:
        signature = _signature.normalize_signature(input_signature)

    # Everything that can fail runs before anything is written.
    records = None
    if warmup_inputs is not None:
        arrays = _signature.match_batch(signature, warmup_inputs, "warmup_inputs")
        model_name = os.path.basename(os.path.abspath(export_dir))
        records = _warmup.make_warmup_records(arrays, model_name=model_name)
    archive = _inference_archive(model, signature)
    version = _versions.choose_version(export_dir, version)

    def write(saved_model_dir):
        archive.write_out(saved_model_dir, verbose=False)
        if records:
            _warmup.write_warmup_records(saved_model_dir, records)

    return _versions.publish(export_dir, version, write)


def _inference_archive(model, signature):
    def serve(inputs):
        # `training=False` reaches every layer through Keras' call context: it
        # is what makes augmentation layers return their input unchanged.
        return model(inputs, training=False)

    archive = keras.export.ExportArchive()
    archive.track(model)  # also tracks lookup tables (StringLookup, ...)
    serve_fn = archive.add_endpoint("serve", serve, input_signature=[signature])
    # Trace now, so a model that cannot run on its signature fails before any
    # directory is created; `serving_default` reuses this same trace.
    serve_fn.get_concrete_function()
    archive.add_endpoint("serving_default", serve_fn)
    return archive

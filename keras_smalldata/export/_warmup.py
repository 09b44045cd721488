"""TF Serving warmup records (`assets.extra/tf_serving_warmup_requests`)."""

import os

import tensorflow as tf

WARMUP_DIR = "assets.extra"
WARMUP_FILE = "tf_serving_warmup_requests"


def make_warmup_records(arrays, model_name, signature_name="serving_default"):
    """Returns serialized `PredictionLog` records for one batch of inputs.

    Args:
        arrays: dict from serving input name to numpy array.
        model_name: the model name to put in the request's `model_spec`.
        signature_name: the signature the request calls.
    """
    try:
        from tensorflow_serving.apis import predict_pb2, prediction_log_pb2
    except ImportError as error:
        raise ImportError(
            "Writing TF Serving warmup requests (`warmup_inputs=`) needs the "
            "tensorflow-serving-api package. Install it with: "
            'pip install "keras-smalldata[serving]"'
        ) from error
    request = predict_pb2.PredictRequest()
    request.model_spec.name = model_name
    request.model_spec.signature_name = signature_name
    for name, array in arrays.items():
        request.inputs[name].CopyFrom(tf.make_tensor_proto(array))
    log = prediction_log_pb2.PredictionLog(
        predict_log=prediction_log_pb2.PredictLog(request=request)
    )
    return [log.SerializeToString()]


def write_warmup_records(saved_model_dir, records):
    """Writes records to `saved_model_dir/assets.extra/tf_serving_warmup_requests`."""
    directory = os.path.join(saved_model_dir, WARMUP_DIR)
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, WARMUP_FILE)
    with tf.io.TFRecordWriter(path) as writer:
        for record in records:
            writer.write(record)
    return path

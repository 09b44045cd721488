"""Export models for TensorFlow Serving, with every augmentation layer inert.

`export_for_serving` writes TF Serving's `export_dir/<version>/` layout with
`serving_default` and `serve` signatures that run the model with
`training=False`. `verify_export` checks the result in a separate process that
has TensorFlow but neither Keras nor keras_smalldata, as on a serving host.
"""

from keras_smalldata.export.export_for_serving import export_for_serving
from keras_smalldata.export.verify_export import verify_export

__all__ = ["export_for_serving", "verify_export"]

"""Where tensors live inside model files, found from headers alone.

``describe_file`` recognises .npy, .npz, safetensors, HDF5 and Keras 3 .keras files
and reports each tensor's byte span, so chunking can follow tensor boundaries and
the manifest can index tensors inside files. Anything else is "opaque".
"""

from store.adapters.files.detect import describe_file
from store.adapters.files.layout import FileLayout, TensorSpan

__all__ = ["FileLayout", "TensorSpan", "describe_file"]

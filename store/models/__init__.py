"""Python model objects in the store: commit, load and export through the adapters.

This layer ties adapters (which know frameworks) to objects (which know bytes):
neither knows the other.
"""

from store.models.commit import ObjectVersion, store_object
from store.models.export import export_object
from store.models.load import load_object

__all__ = ["ObjectVersion", "export_object", "load_object", "store_object"]

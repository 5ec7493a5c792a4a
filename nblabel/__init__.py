"""nblabel: Label Studio labeling interfaces inside Jupyter notebooks."""

__version__ = "0.1.0"

"""nblabel: Label Studio labeling interfaces inside Jupyter notebooks.

``Labeler(df, config, store=...)`` shows a labeler for the rows of a DataFrame; labels live in a
SQLite store that survives kernel restarts and come back with ``to_dataframe()``.
"""

from .config import ConfigError, ConfigSpec, parse_config
from .datasets import load_ner_gold, load_reviews
from .labelstudio import LabelStudio
from .session import Progress
from .store import Store
from .sync import PullReport, PushReport
from .widget import Labeler, LabelerWarning

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "ConfigSpec",
    "Labeler",
    "LabelerWarning",
    "LabelStudio",
    "Progress",
    "PullReport",
    "PushReport",
    "Store",
    "load_ner_gold",
    "load_reviews",
    "parse_config",
]

"""nblabel: Label Studio labeling interfaces inside Jupyter notebooks.

``Labeler(df, config, store=...)`` shows a labeler for the rows of a DataFrame; labels live in a
SQLite store that survives kernel restarts and come back with ``to_dataframe()``.
"""

from .config import ConfigError, ConfigSpec, parse_config
from .datasets import load_ner_gold, load_reviews
from . import active
from .importer import import_labelstudio
from .labelstudio import LabelStudio
from .models import MLBackend, PredictionError, SklearnModel, serve_model
from .quality import Agreement, agreement, majority_vote
from .session import Progress
from .store import Store
from .sync import PullReport, PushReport
from .watch import watch
from .widget import Labeler, LabelerWarning

__version__ = "0.1.0"

__all__ = [
    "Agreement",
    "ConfigError",
    "ConfigSpec",
    "Labeler",
    "LabelerWarning",
    "MLBackend",
    "LabelStudio",
    "PredictionError",
    "SklearnModel",
    "active",
    "Progress",
    "PullReport",
    "PushReport",
    "Store",
    "agreement",
    "import_labelstudio",
    "load_ner_gold",
    "load_reviews",
    "majority_vote",
    "serve_model",
    "parse_config",
    "watch",
]

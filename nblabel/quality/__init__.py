"""Teams and quality: several annotators' labels resolved, compared and reviewed.

- :mod:`nblabel.quality.votes`: what each annotator said per control, and the winning value
  (used by ``Labeler.to_dataframe()``);
- :mod:`nblabel.quality.agreement`: :func:`agreement` (percent, Cohen, Fleiss, Krippendorff,
  IoU-matched F1 for spans and boxes) and :func:`majority_vote`.

The chance-corrected coefficients need the optional extra ``nblabel[quality]``.
"""

from .agreement import Agreement, agreement, majority_vote
from .votes import CONSENSUS

__all__ = ["Agreement", "CONSENSUS", "agreement", "majority_vote"]

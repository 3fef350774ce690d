"""Hand coding: blind, seeded coding sheets, agreement, and coded rows for retraining (:mod:`.coding`)."""

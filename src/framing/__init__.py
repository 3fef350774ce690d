"""framing: comparative media-framing research, from raw text dumps to cited reports."""

__version__ = "0.1.0"

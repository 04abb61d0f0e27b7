"""trailtui: investigate AWS CloudTrail logs in the terminal with jq filters."""

__version__ = "0.1.0"

"""The chat platforms a partnership can work on, each behind the same small port."""

"""Time-driven work: the tick and the scheduler that wakes it."""

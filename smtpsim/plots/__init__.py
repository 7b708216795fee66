"""Pictures of the results with matplotlib (imported by these modules only): ``ladder``."""

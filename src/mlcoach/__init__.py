"""mlcoach: an offline coach for machine-learning interviews and a reviewer of ML take-homes."""

__version__ = "0.1.0"

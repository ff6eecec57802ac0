"""The walkthrough notebooks' helpers (``notebooks/``): where they run, what one notebook hands the next,
asking before deleting, and running them (``python -m scripts.notebooks run|lab``; ``make notebooks``)."""

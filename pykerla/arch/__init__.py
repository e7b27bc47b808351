"""Architecture facts."""

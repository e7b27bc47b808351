"""How user code runs (the "hardware"): KVM or an emulated CPU. Knows nothing of Linux."""

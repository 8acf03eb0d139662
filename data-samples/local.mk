# data-samples

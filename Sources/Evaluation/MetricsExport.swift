// The metrics (AUROC, AP, F1-max, AUPRO, connected components) are the `Metrics` kernel target; they are part
// of this module's API, as before they moved.
@_exported import Metrics

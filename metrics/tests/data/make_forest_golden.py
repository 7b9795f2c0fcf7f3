"""Golden data for the random forest (tests/forest.rs): scikit-learn's cross-validated RMSE.

    python3 -m venv /tmp/skl && /tmp/skl/bin/pip install scikit-learn
    /tmp/skl/bin/python metrics/tests/data/make_forest_golden.py

(forest_golden.json was made with scikit-learn 1.9.1, numpy 2.x). The forests differ from
ours in their random draws, so what is compared is the mean over seeds of the 10-fold CV RMSE
of `RandomForestRegressor(n_estimators=100, max_depth=d)` (bootstrap, all features per
split): the test allows the spread over seeds. Inputs are rounded to 6 decimals so the JSON
text is the exact input both sides use.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import KFold, cross_val_score

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = 8

rng = np.random.default_rng(20261123)
n, p = 600, 6
x = rng.random((n, p))
x[:, 4] = (x[:, 4] < 0.5).astype(float)  # a binary flag, as the pRNN pathway flags
x = np.round(x, 6)
y = (x[:, 0] > 0.5) + x[:, 1] * x[:, 2] + 0.3 * np.sin(6 * x[:, 3]) + 0.2 * x[:, 4]
y = np.round(y + 0.2 * rng.standard_normal(n), 6)

cases = []
for name, cols, depth in [
    ("all features, depth 9", list(range(p)), 9),
    ("one feature, depth 9", [0], 9),
    ("the flag only, depth 9", [4], 9),
    ("all features, depth 2", list(range(p)), 2),
    ("all features, depth 4", list(range(p)), 4),
]:
    rmse = []
    for seed in range(SEEDS):
        forest = RandomForestRegressor(n_estimators=100, max_depth=depth, random_state=seed)
        folds = KFold(10, shuffle=True, random_state=seed)
        scores = cross_val_score(forest, x[:, cols], y, cv=folds, scoring="neg_root_mean_squared_error")
        rmse.append(-scores.mean())
    cases.append({
        "name": name,
        "columns": cols,
        "max_depth": depth,
        "mean_rmse": float(np.mean(rmse)),
        "sd_rmse_over_seeds": float(np.std(rmse, ddof=1)),
    })
    print(name, np.mean(rmse), np.std(rmse, ddof=1))

with open(os.path.join(HERE, "forest_golden.json"), "w") as f:
    json.dump({
        "sklearn": sklearn.__version__,
        "seeds": SEEDS,
        "x": x.tolist(),
        "y": y.tolist(),
        "cases": cases,
    }, f)
    f.write("\n")

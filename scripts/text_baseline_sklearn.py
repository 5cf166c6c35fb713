#!/usr/bin/python3
"""scikit-learn's side of the `text` acceptance row (issue 13): TfidfVectorizer() + LogisticRegression(), default
settings, on the SpamAssassin split that scripts/acceptance.mjs writes (one JSON object per line, {"text", "label"}
with label "ham" or "spam").

    /usr/bin/python3 scripts/text_baseline_sklearn.py --train DIR/train.jsonl --test DIR/test.jsonl [--repeats 3]

The timed part is what our side times too: fit the vectorizer and the model on the training texts, then vectorize and
predict the test texts (reading the files is not timed). It runs `--repeats` times from scratch and reports the
median seconds (the fastest-but-one kind of figure, so the 2x bar is measured against a warm scikit-learn); the
predictions are the same every run (lbfgs is deterministic). If lbfgs stops at max_iter (100, the default) with a
ConvergenceWarning, the fit is redone with max_iter raised tenfold until it converges, and "maxIter" says so.

Prints one line of JSON: {f1, precision, recall, accuracy (spam is the positive class), seconds, secondsRuns,
maxIter, converged, nIter, vocabulary, train, test, sklearn}.
"""
import argparse
import json
import statistics
import sys
import time
import warnings

import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score


def read_jsonl(path):
    texts, labels = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                texts.append(row["text"])
                labels.append(1 if row["label"] == "spam" else 0)
    return texts, labels


def run(train_x, train_y, test_x, max_iter):
    """One timed run; returns (seconds, predictions, converged, n_iter, vocabulary size)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        t0 = time.perf_counter()
        vectorizer = TfidfVectorizer()
        x = vectorizer.fit_transform(train_x)
        model = LogisticRegression(max_iter=max_iter).fit(x, train_y)
        pred = model.predict(vectorizer.transform(test_x))
        seconds = time.perf_counter() - t0
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    return seconds, pred, converged, int(model.n_iter_[0]), len(vectorizer.vocabulary_)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--train", required=True)
    p.add_argument("--test", required=True)
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args()
    train_x, train_y = read_jsonl(a.train)
    test_x, test_y = read_jsonl(a.test)
    max_iter = 100  # LogisticRegression's default
    while True:
        seconds, pred, converged, n_iter, vocab = run(train_x, train_y, test_x, max_iter)
        if converged or max_iter >= 100_000:
            break
        max_iter *= 10
    runs = [seconds] + [run(train_x, train_y, test_x, max_iter)[0] for _ in range(a.repeats - 1)]
    out = {
        "f1": f1_score(test_y, pred, pos_label=1),
        "precision": precision_score(test_y, pred, pos_label=1),
        "recall": recall_score(test_y, pred, pos_label=1),
        "accuracy": accuracy_score(test_y, pred),
        "seconds": statistics.median(runs),
        "secondsRuns": runs,
        "maxIter": max_iter,
        "converged": converged,
        "nIter": n_iter,
        "vocabulary": vocab,
        "train": len(train_x),
        "test": len(test_x),
        "sklearn": sklearn.__version__,
    }
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()

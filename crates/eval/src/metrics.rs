//! Weighted ranking metrics; higher score = more anomalous = positive.

use crate::Error;

/// ROC-AUC, PR-AUC and the best F1 over all thresholds, all weighted.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Metrics {
    /// Area under the ROC curve, trapezoids between distinct scores (ties averaged).
    pub roc_auc: f64,
    /// Average precision: `Σ (R_i − R_{i−1}) P_i` over distinct scores, highest first.
    pub pr_auc: f64,
    /// The best F1 when flagging every session scoring at least some threshold.
    pub best_f1: f64,
    /// The lowest flagged score at the best F1.
    pub threshold: f64,
    /// Precision at the best F1.
    pub precision: f64,
    /// Recall at the best F1.
    pub recall: f64,
}

/// The metrics of `scores` (higher = more anomalous) against `labels`
/// (`true` = anomalous), each session counting `weights[i]` times.
///
/// Sessions with equal scores are flagged together, so ties never favour
/// either class. Scores may be infinite, never NaN.
pub fn metrics(scores: &[f64], labels: &[bool], weights: &[f64]) -> Result<Metrics, Error> {
    if scores.len() != labels.len() || scores.len() != weights.len() {
        return Err(Error::Lengths { scores: scores.len(), labels: labels.len(), weights: weights.len() });
    }
    if let Some(index) = scores.iter().position(|s| s.is_nan()) {
        return Err(Error::NanScore { index });
    }
    if let Some((index, &value)) = weights.iter().enumerate().find(|(_, w)| !(w.is_finite() && **w >= 0.0)) {
        return Err(Error::Weight { index, value });
    }
    let (mut pos, mut neg) = (0.0, 0.0);
    for (&l, &w) in labels.iter().zip(weights) {
        if l {
            pos += w
        } else {
            neg += w
        }
    }
    if pos <= 0.0 {
        return Err(Error::OneClass("anomalous"));
    }
    if neg <= 0.0 {
        return Err(Error::OneClass("normal"));
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let (mut tp, mut fp) = (0.0, 0.0);
    let (mut prev_tpr, mut prev_fpr) = (0.0, 0.0);
    let mut m =
        Metrics { roc_auc: 0.0, pr_auc: 0.0, best_f1: 0.0, threshold: f64::INFINITY, precision: 0.0, recall: 0.0 };
    let mut i = 0;
    while i < order.len() {
        let s = scores[order[i]];
        while i < order.len() && scores[order[i]] == s {
            let k = order[i];
            if labels[k] {
                tp += weights[k];
            } else {
                fp += weights[k];
            }
            i += 1;
        }
        let (tpr, fpr) = (tp / pos, fp / neg);
        m.roc_auc += (fpr - prev_fpr) * (tpr + prev_tpr) / 2.0;
        if tp + fp > 0.0 {
            let precision = tp / (tp + fp);
            m.pr_auc += (tpr - prev_tpr) * precision;
            if tp > 0.0 {
                let f1 = 2.0 * precision * tpr / (precision + tpr);
                if f1 > m.best_f1 {
                    m.best_f1 = f1;
                    m.threshold = s;
                    m.precision = precision;
                    m.recall = tpr;
                }
            }
        }
        (prev_tpr, prev_fpr) = (tpr, fpr);
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(scores: &[f64], labels: &[u8], weights: &[f64], expected: [f64; 3]) {
        let labels: Vec<bool> = labels.iter().map(|&l| l == 1).collect();
        let m = metrics(scores, &labels, weights).unwrap();
        let got = [m.roc_auc, m.pr_auc, m.best_f1];
        for (g, e) in got.iter().zip(expected) {
            assert!((g - e).abs() < 1e-12, "{got:?} != {expected:?}");
        }
    }

    #[test]
    fn hand_computed_cases() {
        // perfect ranking
        check(&[3.0, 2.0, 1.0], &[1, 1, 0], &[1.0; 3], [1.0, 1.0, 1.0]);
        // inverted ranking: AUC 0; AP: R jumps at the end with P = 2/3... the one positive step at 3rd: P=1/3
        check(&[1.0, 2.0, 3.0], &[1, 0, 0], &[1.0; 3], [0.0, 1.0 / 3.0, 0.5]);
        // all tied: AUC 1/2, AP = prevalence, F1 = 2p/(p+1)
        check(&[1.0; 4], &[1, 0, 0, 0], &[1.0; 4], [0.5, 0.25, 0.4]);
        // 0.9(+) 0.8(-) 0.7(+) 0.6(-): AUC 3/4, AP = 1/2·1 + 1/2·2/3, F1 best: 2/3·... at 0.7: P 2/3 R 1 → 0.8
        check(&[0.9, 0.8, 0.7, 0.6], &[1, 0, 1, 0], &[1.0; 4], [0.75, 0.5 + 1.0 / 3.0, 0.8]);
        // a tie between a positive and a negative at the top: half credit in ROC
        check(&[1.0, 1.0, 0.0], &[1, 0, 0], &[1.0; 3], [0.75, 0.5, 2.0 / 3.0]);
    }

    #[test]
    fn weights_count_as_copies() {
        let copies = metrics(&[0.9, 0.8, 0.8, 0.7], &[true, false, false, true], &[1.0; 4]).unwrap();
        let weighted = metrics(&[0.9, 0.8, 0.7], &[true, false, true], &[1.0, 2.0, 1.0]).unwrap();
        assert_eq!(copies, weighted);
        // weight 0 is as good as absent
        let zero = metrics(&[0.9, 0.85, 0.8, 0.7], &[true, true, false, true], &[1.0, 0.0, 2.0, 1.0]).unwrap();
        assert_eq!(zero.roc_auc, weighted.roc_auc);
        assert_eq!(zero.best_f1, weighted.best_f1);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert_eq!(
            metrics(&[1.0], &[true, false], &[1.0]).unwrap_err(),
            Error::Lengths { scores: 1, labels: 2, weights: 1 }
        );
        assert_eq!(metrics(&[f64::NAN, 1.0], &[true, false], &[1.0; 2]).unwrap_err(), Error::NanScore { index: 0 });
        assert_eq!(
            metrics(&[0.0, 1.0], &[true, false], &[1.0, -1.0]).unwrap_err(),
            Error::Weight { index: 1, value: -1.0 }
        );
        assert_eq!(metrics(&[0.0, 1.0], &[false, false], &[1.0; 2]).unwrap_err(), Error::OneClass("anomalous"));
    }
}

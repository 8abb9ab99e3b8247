//! Properties of the model and scores on random data sets.

use std::collections::BTreeMap;

use anomseq::score::{rarest_windows, score, session_likelihoods, ScoreOptions, WindowOptions};
use anomseq::{Cmd, Model, Params, SessionType, Sessions};
use proptest::prelude::*;

use crate::common::close;

fn event(kind: SessionType) -> BoxedStrategy<Cmd> {
    let name = prop::sample::select(vec!["Set-User", "Set-Mailbox", "New-App", "Get-X", "Remove-Y"]);
    let params = prop::collection::vec(prop::sample::select(vec!["Identity", "Force", "City", "Name"]), 0..4);
    match kind {
        SessionType::Commands => name.prop_map(Cmd::new).boxed(),
        SessionType::Params => (name, params).prop_map(|(n, p)| Cmd::with_params(n, p)).boxed(),
        SessionType::Values => {
            let value = prop::sample::select(vec!["", "true", "false", "x", "y"]);
            (name, prop::collection::vec((prop::sample::select(vec!["Identity", "Force", "City"]), value), 0..4))
                .prop_map(|(n, p)| Cmd::with_values(n, p))
                .boxed()
        }
    }
}

fn data_set() -> impl Strategy<Value = Vec<Vec<Cmd>>> {
    prop::sample::select(vec![SessionType::Commands, SessionType::Params, SessionType::Values]).prop_flat_map(|kind| {
        // a first event with parameters fixes the type
        let first = event(kind)
            .prop_filter("typed first event", move |c| kind == SessionType::Commands || !c.params.is_empty());
        (first, prop::collection::vec(prop::collection::vec(event(kind), 1..8), 1..25)).prop_map(|(f, mut s)| {
            s[0].insert(0, f);
            s
        })
    })
}

fn all_probs(m: &Model) -> Vec<(String, BTreeMap<String, f64>)> {
    let p = m.named_probs();
    let mut rows = vec![("prior".to_string(), p.prior_probs.iter().cloned().collect())];
    for (name, t) in [
        ("trans", Some(&p.trans_probs)),
        ("param", p.param_cond_cmd_probs.as_ref()),
        ("value", p.value_cond_param_probs.as_ref()),
    ] {
        for (k, row) in t.into_iter().flatten() {
            rows.push((format!("{name}[{k}]"), row.iter().cloned().collect()));
        }
    }
    rows
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn probabilities_in_unit_interval_and_rows_sum_to_one(lists in data_set()) {
        let s = Sessions::from_cmds(&lists).unwrap();
        let m = anomseq::train(&s);
        for (what, row) in all_probs(&m) {
            for (k, p) in &row {
                prop_assert!(*p > 0.0 && *p <= 1.0, "{what}[{k}] = {p}");
            }
            if what.starts_with("trans") || what.starts_with("value") {
                let sum: f64 = row.values().sum();
                prop_assert!((sum - 1.0).abs() < 1e-12, "{what} sums to {sum}");
            }
        }
    }

    #[test]
    fn merging_shards_equals_training_on_the_union(lists in data_set(), cut in 0usize..25) {
        let cut = cut.min(lists.len() - 1).max(1).min(lists.len());
        prop_assume!(cut < lists.len());
        let (a, b) = lists.split_at(cut);
        let (sa, sb) = (Sessions::from_cmds(a), Sessions::from_cmds(b));
        // a shard may hold only empty-param events of another type: skip those
        prop_assume!(sa.is_ok() && sb.is_ok());
        let (sa, sb) = (sa.unwrap(), sb.unwrap());
        prop_assume!(sa.session_type() == sb.session_type());
        let union = anomseq::train(&Sessions::from_cmds(&lists).unwrap());
        let merged = anomseq::train(&sa).merge(&anomseq::train(&sb)).unwrap();
        prop_assert_eq!(merged.counts(), union.counts());
        prop_assert_eq!(merged.named_probs(), union.named_probs());
        prop_assert_eq!(merged.modellable_params(), union.modellable_params());
    }

    #[test]
    fn scores_independent_of_thread_count(lists in data_set(), k in 1usize..5) {
        let s = Sessions::from_cmds(&lists).unwrap();
        let m = anomseq::train(&s);
        let o = WindowOptions::new(k);
        let run = |threads| rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(|| {
            let w = rarest_windows(m.probabilities(), &s, &o).unwrap();
            let l = session_likelihoods(m.probabilities(), &s, true).unwrap();
            (w.iter().map(|w| (w.start, w.likelihood.to_bits())).collect::<Vec<_>>(), l.iter().map(|x| x.to_bits()).collect::<Vec<_>>())
        });
        prop_assert_eq!(run(1), run(3));
    }

    #[test]
    fn training_independent_of_session_order(lists in data_set(), seed in any::<u64>()) {
        let s = Sessions::from_cmds(&lists).unwrap();
        let mut order: Vec<usize> = (0..lists.len()).collect();
        // a seeded shuffle
        let mut x = seed | 1;
        for i in (1..order.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            order.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let shuffled: Vec<Vec<Cmd>> = order.iter().map(|&i| lists[i].clone()).collect();
        let t = Sessions::from_cmds(&shuffled);
        prop_assume!(t.is_ok());
        let t = t.unwrap();
        prop_assume!(t.session_type() == s.session_type());
        let (m1, m2) = (anomseq::train(&s), anomseq::train(&t));
        let as_maps = |m: &Model| {
            let c = m.raw_counts();
            let seq2: BTreeMap<_, BTreeMap<_, _>> = c.seq2_counts.iter().map(|(k, r)| (k.clone(), r.iter().cloned().collect())).collect();
            let cp: BTreeMap<_, BTreeMap<_, _>> = c.cmd_param_counts.iter().flatten().map(|(k, r)| (k.clone(), r.iter().cloned().collect())).collect();
            (c.seq1_counts.iter().cloned().collect::<BTreeMap<_, _>>(), seq2, cp)
        };
        prop_assert_eq!(as_maps(&m1), as_maps(&m2));
        prop_assert_eq!(all_probs(&m1).into_iter().collect::<BTreeMap<_, _>>(), all_probs(&m2).into_iter().collect::<BTreeMap<_, _>>());
        // likelihoods agree session by session (parameter products may differ in the last bits)
        let l1 = session_likelihoods(m1.probabilities(), &s, true).unwrap();
        let l2 = session_likelihoods(m2.probabilities(), &t, true).unwrap();
        for (j, &i) in order.iter().enumerate() {
            prop_assert!(close(l1[i], l2[j], 1e-12), "session {i}: {} vs {}", l1[i], l2[j]);
        }
    }

    #[test]
    fn factors_multiply_to_the_window_likelihood(
        lists in data_set(),
        unseen in prop::collection::vec(prop::collection::vec(event(SessionType::Values), 1..6), 0..4),
        k in 1usize..5,
        tokens in any::<bool>(),
        geo in any::<bool>(),
    ) {
        let s = Sessions::from_cmds(&lists).unwrap();
        let m = anomseq::train(&s);
        let o = ScoreOptions::new(k).with_window(WindowOptions::new(k).tokens(tokens).geo_mean(geo));
        // the training sessions, then the same with unknown commands and values mixed in
        let mut test = lists.clone();
        for extra in unseen {
            let rename = |c: Cmd| match (s.session_type(), &c.params) {
                (SessionType::Commands, _) => Cmd::new(format!("{}-new", c.name)),
                (SessionType::Params, Params::Map(m)) => {
                    Cmd::with_params(format!("{}-new", c.name), m.iter().map(|(p, _)| format!("{p}2")))
                }
                (_, Params::Map(m)) => Cmd::with_values(c.name.clone(), m.iter().map(|(p, v)| (p.clone(), format!("{v}2")))),
                _ => c,
            };
            test.push(extra.into_iter().map(rename).collect());
        }
        let t = Sessions::from_cmds(&test).unwrap();
        let scored = score(m.probabilities(), &t, &o).unwrap();
        let reference = rarest_windows(m.probabilities(), &t, &o.window).unwrap();
        for (i, expected) in reference.iter().enumerate() {
            let w = scored.windows()[i];
            prop_assert_eq!(w.start, expected.start);
            prop_assert_eq!(w.likelihood.to_bits(), expected.likelihood.to_bits());
            let f = scored.factors(i);
            match w.range() {
                None => prop_assert!(f.is_empty()),
                Some(r) => {
                    let product: f64 = f.iter().product();
                    prop_assert!(close(product, w.likelihood, 1e-12), "{} vs {}", product, w.likelihood);
                    let ends = r.end == t.session_len(i) && tokens && r.len() < k;
                    prop_assert_eq!(f.len(), r.len() + usize::from(ends));
                    let why = scored.explain(m.probabilities(), &t, i).unwrap();
                    prop_assert_eq!(why.steps.len(), r.len());
                    prop_assert_eq!(why.end.is_some(), ends);
                }
            }
            // the training sessions hold nothing unseen
            if i < lists.len() {
                prop_assert_eq!(scored.unseen()[i].total(), 0);
            } else if s.session_type() == SessionType::Commands {
                // every renamed command is new
                prop_assert_eq!(scored.unseen()[i].commands as usize, t.session_len(i));
            }
        }
    }

    #[test]
    fn log_likelihoods_agree_with_likelihoods(lists in data_set()) {
        let s = Sessions::from_cmds(&lists).unwrap();
        let m = anomseq::train(&s);
        let l = session_likelihoods(m.probabilities(), &s, true).unwrap();
        let ll = anomseq::score::session_log_likelihoods(m.probabilities(), &s, true).unwrap();
        for i in 0..s.len() {
            prop_assert!(close(l[i].ln(), ll[i], 1e-9), "{} vs {}", l[i].ln(), ll[i]);
        }
    }
}

#[test]
fn model_survives_a_serde_round_trip() {
    let lists: Vec<Vec<Cmd>> = serde_json::from_str(
        r#"[[{"name":"a","params":{"x":"1","y":""}},{"name":"b","params":{"x":"2"}}],[{"name":"a","params":{"y":"3"}}]]"#,
    )
    .unwrap();
    let s = Sessions::from_cmds(&lists).unwrap();
    let m = anomseq::train(&s);
    let json = serde_json::to_string(m.counts()).unwrap();
    let back: anomseq::Counts = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, m.counts());
    let again = Model::from_counts(back, None).unwrap();
    assert_eq!(again.named_probs(), m.named_probs());
    // a corrupt id, a zero count or a repeated name is an error, never a panic
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut bad_id = v.clone();
    bad_id["counts"]["seq1"][1][0] = 99.into();
    let mut zero = v.clone();
    zero["counts"]["seq1"][1][1] = 0.into();
    let mut twice = v.clone();
    twice["cmds"] = serde_json::json!(["a", "a"]);
    for (bad, msg) in [(bad_id, "out of range"), (zero, "has a count of 0"), (twice, "appears twice")] {
        let err = serde_json::from_value::<anomseq::Counts>(bad).unwrap_err().to_string();
        assert!(err.contains(msg), "{err}");
    }
}

proptest! {
    /// A top-n list is the ranking's first n, ties (many equal scores) and missing
    /// scores included, in both directions.
    #[test]
    fn rarest_first_n_is_the_rankings_first_n(
        scores in prop::collection::vec(prop::sample::select(vec![0.1, 0.2, 0.5, f64::NAN, 1e-300, 0.0]), 0..60),
        n in 0usize..70,
    ) {
        for d in [anomseq::Direction::LowerIsRarer, anomseq::Direction::HigherIsRarer] {
            let all = d.rarest_first(&scores);
            prop_assert_eq!(d.rarest_first_n(&scores, n), all[..n.min(all.len())].to_vec());
        }
    }
}

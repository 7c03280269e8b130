//! The task state machine: the happy path, refusals, idempotent repeats, and
//! properties over any sequence of actions.

use proptest::prelude::*;
use shouwang_domain::task::{TaskAction as A, TaskState as S, may_check, transition};

#[test]
fn the_happy_path_goes_to_checked() {
    let mut s = S::Open;
    for a in [A::Assign, A::Start, A::Finish, A::Check] {
        s = transition(s, a).unwrap();
    }
    assert_eq!(s, S::Checked);
}

#[test]
fn a_repeated_action_answers_the_current_state() {
    assert_eq!(transition(S::Done, A::Finish), Ok(S::Done));
    assert_eq!(transition(S::Assigned, A::Assign), Ok(S::Assigned));
    assert_eq!(transition(S::Cancelled, A::Cancel), Ok(S::Cancelled));
}

#[test]
fn impossible_moves_are_refused() {
    assert!(transition(S::Open, A::Check).is_err());
    assert!(transition(S::Checked, A::Finish).is_err());
    assert!(transition(S::Cancelled, A::Start).is_err());
    assert!(transition(S::Done, A::Fail).is_err());
    let e = transition(S::Checked, A::Cancel).unwrap_err();
    assert!(e.message(shouwang_domain::Lang::Zh).contains("已核验"));
}

#[test]
fn codes_round_trip() {
    for s in S::ALL {
        assert_eq!(S::from_code(s.code()), Some(*s));
    }
    for k in shouwang_domain::task::TaskKind::ALL {
        assert_eq!(shouwang_domain::task::TaskKind::parse(k.label(shouwang_domain::Lang::Zh)), Some(*k));
    }
}

#[test]
fn the_one_who_marked_done_cannot_check() {
    assert!(!may_check(Some(7), 7));
    assert!(may_check(Some(7), 8));
}

fn any_action() -> impl Strategy<Value = A> {
    proptest::sample::select(A::ALL.to_vec())
}

proptest! {
    #[test]
    fn any_sequence_only_moves_along_allowed_edges(actions in proptest::collection::vec(any_action(), 0..40)) {
        let mut s = S::Open;
        for a in actions {
            match transition(s, a) {
                Ok(next) => {
                    prop_assert!(next == s || next == a.target());
                    // Checked is only reached from done.
                    if next == S::Checked && s != S::Checked { prop_assert_eq!(s, S::Done); }
                    // Done is never reached from open without an assignment or a start.
                    if next == S::Done && s != S::Done { prop_assert!(matches!(s, S::Assigned | S::InProgress)); }
                    // Repeating the same action is idempotent.
                    prop_assert_eq!(transition(next, a), Ok(next));
                    s = next;
                }
                Err(e) => prop_assert_eq!(e.from, s),
            }
        }
    }
}

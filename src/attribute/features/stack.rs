//! Features for a second pass: what a first decoding made of the turns around a line.
//!
//! A first pass reads a scene left to right, so a line's guess cannot use the turns after it
//! unless a tag names their speaker. The second pass sees the first one's picks of the next
//! two turns (weighted by how sure it was) and the nearest turns of the exchange it was sure
//! of, on either side.

use super::{S, Table};

/// A first-pass pick this likely (raw probability) anchors the turns around it.
const SURE: f64 = 0.9;

impl Table {
    /// Fills in the second-pass features from a first pass's speaker and raw probability for
    /// every line (`picks`, indexes into `qs`).
    pub(crate) fn set_picks(&mut self, picks: &[Option<(usize, f64)>]) {
        const STACK: [S; 6] = [
            S::FirstNext,
            S::FirstNext2,
            S::FirstSureAfterEven,
            S::FirstSureAfterOdd,
            S::FirstSureBeforeEven,
            S::FirstSureBeforeOdd,
        ];
        let mut xs = std::mem::take(&mut self.xs);
        for x in xs.iter_mut() {
            STACK.iter().for_each(|&f| x[f as usize] = 0.0);
        }
        let n = self.turns.len();
        // An exchange is a run of turns of one scene with no narration between.
        let mut run = Vec::with_capacity(n);
        for (t, turn) in self.turns.iter().enumerate() {
            let same = t > 0 && self.turns[t - 1].scene == turn.scene && !turn.gap;
            run.push(if same { run[t - 1] } else { t });
        }
        // The pick of a turn is its first line's.
        let pick = |u: usize| {
            let qs = &self.turns[u].qs;
            picks.get(qs.start).copied().flatten().filter(|_| !qs.is_empty())
        };
        let sure = |u: usize| pick(u).filter(|p| p.1 >= SURE).map(|p| p.0);
        let parity = |d: usize, even: S, odd: S| if d.is_multiple_of(2) { even } else { odd };
        for (t, turn) in self.turns.iter().enumerate() {
            let next =
                [1, 2].map(|d| Some(t + d).filter(|&u| u < n && self.turns[u].scene == turn.scene).and_then(pick));
            let after = (t + 1..n).take_while(|&u| run[u] == run[t]).find_map(|u| Some((u - t, sure(u)?)));
            let before = (0..t).rev().take_while(|&u| run[u] == run[t]).find_map(|u| Some((t - u, sure(u)?)));
            for r in turn.qs.clone().flat_map(|q| self.qs[q].cands.clone()) {
                let (id, x) = (self.ids[r], &mut xs[r]);
                for (p, f) in next.iter().zip([S::FirstNext, S::FirstNext2]) {
                    if let Some((_, prob)) = p.filter(|p| p.0 == id) {
                        x[f as usize] = prob as f32;
                    }
                }
                if let Some((d, _)) = after.filter(|a| a.1 == id) {
                    x[parity(d, S::FirstSureAfterEven, S::FirstSureAfterOdd) as usize] = 1.0;
                }
                if let Some((d, _)) = before.filter(|a| a.1 == id) {
                    x[parity(d, S::FirstSureBeforeEven, S::FirstSureBeforeOdd) as usize] = 1.0;
                }
            }
        }
        self.xs = xs;
    }
}

#[cfg(test)]
mod tests {
    use super::super::{NS, Q, S, Table, Turn};

    /// Turns of one line each, two candidates (people 0 and 1) per line; `gaps[t]` puts
    /// narration before turn `t`.
    fn table(gaps: &[bool]) -> Table {
        let mut t = Table::default();
        for (k, &gap) in gaps.iter().enumerate() {
            t.qs.push(Q {
                line: k,
                turn: k,
                cands: 2 * k..2 * k + 2,
                first_in_turn: true,
                kind: 4,
                pronoun: None,
                tagged: false,
            });
            t.turns.push(Turn { qs: k..k + 1, scene: 0, gap, continued: false });
            t.ids.extend([0, 1]);
            t.xs.extend([[0.0; NS]; 2]);
        }
        t
    }

    fn get(t: &Table, row: usize, f: S) -> f32 {
        t.xs[row][f as usize]
    }

    #[test]
    fn a_line_sees_the_first_pass_picks_of_the_turns_after_it() {
        let mut t = table(&[false, false, false, false]);
        t.set_picks(&[Some((0, 0.6)), Some((1, 0.7)), Some((0, 0.5)), Some((1, 0.95))]);
        // Line 0: the next turn was picked as person 1 at 0.7, the one after as person 0.
        assert_eq!(get(&t, 1, S::FirstNext), 0.7);
        assert_eq!(get(&t, 0, S::FirstNext), 0.0);
        assert_eq!(get(&t, 0, S::FirstNext2), 0.5);
        // The first sure pick after line 0 is three turns on, person 1: an odd distance.
        assert_eq!(get(&t, 1, S::FirstSureAfterOdd), 1.0);
        assert_eq!(get(&t, 0, S::FirstSureAfterOdd), 0.0);
        assert_eq!(get(&t, 1, S::FirstSureAfterEven), 0.0);
        // Line 3 has no turn after it; the sure pick is its own, not an anchor before it.
        assert_eq!(get(&t, 6, S::FirstNext) + get(&t, 7, S::FirstNext), 0.0);
        assert_eq!(get(&t, 7, S::FirstSureBeforeEven) + get(&t, 7, S::FirstSureBeforeOdd), 0.0);
    }

    #[test]
    fn narration_ends_the_exchange_a_sure_pick_anchors_and_new_picks_replace_old_ones() {
        let mut t = table(&[false, false, true]);
        t.set_picks(&[Some((0, 0.99)), Some((1, 0.5)), Some((1, 0.99))]);
        // Line 1 is one turn after a sure pick of person 0; line 2 is past narration.
        assert_eq!(get(&t, 2, S::FirstSureBeforeOdd), 1.0);
        assert_eq!(get(&t, 4, S::FirstSureBeforeEven) + get(&t, 4, S::FirstSureBeforeOdd), 0.0);
        // Line 1's next turn is still a neighbour across the narration; not a sure anchor.
        assert_eq!(get(&t, 3, S::FirstNext), 0.99);
        assert_eq!(get(&t, 3, S::FirstSureAfterOdd), 0.0);
        t.set_picks(&[None, None, None]);
        assert!(t.xs.iter().all(|x| x.iter().all(|v| *v == 0.0)));
    }
}

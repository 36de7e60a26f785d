//! Grid quorums (voting sets) for any N.
//!
//! Nodes fill a grid of `k = ⌈√N⌉` columns row by row; the last row may be short. Node i's
//! quorum is its whole row plus its whole column. Any two quorums intersect: for nodes i and j,
//! the cell (row of j, column of i) is in both, and it exists unless row(j) is the short last row
//! and column(i) lies beyond its end; but then i is not in the last row, so the cell
//! (row of i, column of j) exists (row(i) is full) and is in both.
//!
//! Quorum size `K(i) = |row(i)| + |column(i)| - 1`, about 2√N - 1: twice Maekawa's optimal
//! √N (which needs a finite projective plane and exists only for some N), for a construction
//! that works for every N.

use harness::NodeId;

/// Columns of the grid for `nodes` nodes: the smallest k with k² ≥ N.
pub fn columns(nodes: usize) -> usize {
    let mut k = (nodes as f64).sqrt() as usize;
    while k * k < nodes {
        k += 1;
    }
    while k > 1 && (k - 1) * (k - 1) >= nodes {
        k -= 1;
    }
    k.max(1)
}

/// Node `id`'s quorum in a cluster of `nodes`, sorted, including `id` itself.
pub fn quorum(id: NodeId, nodes: usize) -> Vec<NodeId> {
    let k = columns(nodes);
    let (row, column) = (id.index() / k, id.index() % k);
    let mut members: Vec<NodeId> =
        (row * k..((row + 1) * k).min(nodes)).chain((column..nodes).step_by(k)).map(|i| NodeId(i as u32)).collect();
    members.sort();
    members.dedup();
    members
}

#[cfg(test)]
mod tests {
    use super::*;

    // Table-driven: N -> (columns, quorum of node 0, quorum of the last node).
    #[test]
    fn grids_for_square_and_non_square_n() {
        let cases: &[(usize, usize, &[u32], &[u32])] = &[
            (1, 1, &[0], &[0]),
            (2, 2, &[0, 1], &[0, 1]),
            (4, 2, &[0, 1, 2], &[1, 2, 3]),
            (5, 3, &[0, 1, 2, 3], &[1, 3, 4]),
            (9, 3, &[0, 1, 2, 3, 6], &[2, 5, 6, 7, 8]),
            (10, 4, &[0, 1, 2, 3, 4, 8], &[1, 5, 8, 9]),
        ];
        for (nodes, k, first, last) in cases {
            assert_eq!(columns(*nodes), *k, "N={nodes}");
            let ids = |q: Vec<NodeId>| q.into_iter().map(|n| n.0).collect::<Vec<_>>();
            assert_eq!(ids(quorum(NodeId(0), *nodes)), *first, "N={nodes} node 0");
            assert_eq!(ids(quorum(NodeId(*nodes as u32 - 1), *nodes)), *last, "N={nodes} last node");
        }
    }

    #[test]
    fn every_two_quorums_intersect_for_n_up_to_64() {
        for nodes in 1..=64 {
            let quorums: Vec<Vec<NodeId>> = NodeId::all(nodes).map(|i| quorum(i, nodes)).collect();
            for (i, a) in quorums.iter().enumerate() {
                assert!(a.contains(&NodeId(i as u32)), "N={nodes}: node {i} votes for itself");
                for b in &quorums {
                    assert!(a.iter().any(|x| b.contains(x)), "N={nodes}: disjoint quorums");
                }
            }
        }
    }
}

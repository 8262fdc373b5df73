//! The graph of generated types: cycles through enums alone are refused, and fields that make a
//! type contain itself are boxed.

use super::*;

/// Rejects a `oneOf`/`anyOf` that has itself among its members, directly or through other
/// `oneOf`/`anyOf`s: no value has that shape, and decoding one would try the same enum again
/// without end. (Through an object it is an ordinary recursive type.)
pub(super) fn check_union_cycles(file: &str, types: &[TypeDef]) -> Result<(), Error> {
    // The graph of unions and the unions among their members.
    let index: BTreeMap<&str, usize> = types
        .iter()
        .enumerate()
        .filter(|(_, t)| matches!(t.kind, TypeKind::Union { .. }))
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();
    let edges: Vec<Vec<usize>> = types
        .iter()
        .map(|t| match &t.kind {
            TypeKind::Union { variants, .. } => variants
                .iter()
                .filter_map(|v| index.get(direct_target(&v.ty)?).copied())
                .collect(),
            _ => Vec::new(),
        })
        .collect();
    let component = strongly_connected(&edges);
    let mut sizes: BTreeMap<usize, usize> = BTreeMap::new();
    for c in &component {
        *sizes.entry(*c).or_default() += 1;
    }
    // A union is on a cycle when its component holds another union, or when it is its own member.
    for (i, t) in types.iter().enumerate() {
        let own = component.get(i).copied();
        let cyclic = own.is_some_and(|c| sizes.get(&c).copied().unwrap_or(0) > 1)
            || edges.get(i).is_some_and(|targets| targets.contains(&i));
        if index.contains_key(t.name.as_str()) && cyclic {
            return Err(Error::new(
                ErrorKind::RefCycle,
                file,
                &t.origin,
                "this oneOf/anyOf has itself among its members, so no value fits it",
            ));
        }
    }
    Ok(())
}

/// Puts a `Box` around every field or union variant through which a type contains itself, so
/// recursive schemas give types of finite size. Lists and maps already allocate, so only direct
/// containment counts (an `Option` field does not allocate, so it counts too). A type contains
/// itself through a field exactly when the field's type is in the same strongly connected
/// component of the containment graph as the type.
pub(super) fn box_recursive_fields(types: &mut [TypeDef]) {
    let index: BTreeMap<String, usize> = types
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.clone(), i))
        .collect();
    let target_of = |ty: &TypeRef| direct_target(ty).and_then(|name| index.get(name).copied());
    let edges: Vec<Vec<usize>> = types
        .iter()
        .map(|t| match &t.kind {
            TypeKind::Struct { fields, .. } => {
                fields.iter().filter_map(|f| target_of(&f.ty)).collect()
            }
            TypeKind::Union { variants, .. } => {
                variants.iter().filter_map(|v| target_of(&v.ty)).collect()
            }
            TypeKind::StringEnum { .. } => Vec::new(),
        })
        .collect();
    let component = strongly_connected(&edges);
    let same =
        |a: usize, b: usize| component.get(a).is_some() && component.get(a) == component.get(b);
    let boxed = |ty: &mut TypeRef, owner: usize| {
        if let Some(target) = target_of(ty)
            && same(target, owner)
        {
            *ty = TypeRef::Boxed(Box::new(ty.clone()));
        }
    };
    for (owner, t) in types.iter_mut().enumerate() {
        match &mut t.kind {
            TypeKind::Struct { fields, .. } => {
                for field in fields {
                    boxed(&mut field.ty, owner);
                }
            }
            TypeKind::Union { variants, .. } => {
                for variant in variants {
                    boxed(&mut variant.ty, owner);
                }
            }
            TypeKind::StringEnum { .. } => {}
        }
    }
}

/// The strongly connected component of each node of a directed graph (nodes `0..edges.len()`,
/// `edges[n]` the targets of node `n`), found in linear time and without recursion (Kosaraju's
/// algorithm), so that neither the size of the graph nor the length of its chains matters.
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<usize> {
    let n = edges.len();
    let targets = |node: usize| edges.get(node).map_or(&[][..], Vec::as_slice);
    // First pass: every node in the order its depth-first search finishes.
    let mut finished = Vec::with_capacity(n);
    let mut visited = vec![false; n];
    for start in 0..n {
        if visited[start] {
            continue;
        }
        visited[start] = true;
        let mut stack = vec![(start, 0_usize)];
        while let Some(top) = stack.last_mut() {
            let (node, next) = *top;
            match targets(node).get(next) {
                Some(&target) => {
                    top.1 += 1;
                    if target < n && !visited[target] {
                        visited[target] = true;
                        stack.push((target, 0));
                    }
                }
                None => {
                    finished.push(node);
                    stack.pop();
                }
            }
        }
    }
    // Second pass, on the reversed graph, latest finished first: each search is one component.
    let mut reversed = vec![Vec::new(); n];
    for (from, to) in edges.iter().enumerate() {
        for &to in to {
            if let Some(sources) = reversed.get_mut(to) {
                sources.push(from);
            }
        }
    }
    let mut component = vec![usize::MAX; n];
    let mut count = 0;
    for &start in finished.iter().rev() {
        if component[start] != usize::MAX {
            continue;
        }
        component[start] = count;
        let mut stack = vec![start];
        while let Some(node) = stack.pop() {
            for &from in &reversed[node] {
                if component[from] == usize::MAX {
                    component[from] = count;
                    stack.push(from);
                }
            }
        }
        count += 1;
    }
    component
}

#[cfg(test)]
mod tests {
    use super::strongly_connected;

    #[test]
    fn components_of_a_small_graph() {
        // 0 → 1 → 2 → 0 is a cycle; 3 points into it; 4 points at itself; 5 stands alone.
        let edges = vec![vec![1], vec![2], vec![0], vec![0], vec![4], vec![]];
        let c = strongly_connected(&edges);
        assert!(c[0] == c[1] && c[1] == c[2]);
        assert!(c[3] != c[0] && c[4] != c[0] && c[5] != c[0] && c[3] != c[4]);
    }

    #[test]
    fn a_long_chain_needs_neither_recursion_nor_quadratic_time() {
        let n = 200_000;
        let mut edges: Vec<Vec<usize>> = (0..n).map(|i| vec![i + 1]).collect();
        edges[n - 1] = vec![0];
        let c = strongly_connected(&edges);
        assert!(c.iter().all(|&x| x == c[0]));
        edges[n - 1].clear();
        let c = strongly_connected(&edges);
        assert_eq!(c.iter().collect::<std::collections::BTreeSet<_>>().len(), n);
    }
}

use std::collections::HashMap;

pub fn count_words(text: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for word in text.split_whitespace() {
        *counts.entry(word.to_lowercase()).or_insert(0) += 1;
    }
    counts
}

pub fn unique(words: &[String]) -> usize {
    let set: HashSet<&String> = words.iter().collect();
    set.len()
}

pub struct Counter {
    total: usize,
}

impl Counter {
    pub fn new() -> Self {
        Counter { total: 0 }
    }

    pub fn add(&mut self, n: usize) {
        self.total = n;
    }
}

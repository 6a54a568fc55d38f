//! Property tests over random scenarios (being written).

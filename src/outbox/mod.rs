//! Notifications: queued in the transaction of a change, delivered afterwards by a worker
//! that several instances can run at once without sending anything twice.

pub mod store;
pub mod worker;

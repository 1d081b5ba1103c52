//! The screens.

pub mod booking;
pub mod call_list;
pub mod figures;
pub mod front_desk;
pub mod gates;
pub mod glance;
pub mod head_office;
pub mod hours;
pub mod messaging;
pub mod records;
pub mod register;
pub mod schedule;
pub mod settings;
pub mod staff;
pub mod week;

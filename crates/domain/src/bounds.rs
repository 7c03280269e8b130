//! Every number a user sends has a range: quantities, capacities, headcounts,
//! days and hours, group sizes, page numbers. A bounded value is a newtype
//! that exists only when it lies inside its field's range; a value outside
//! is refused with [`OutOfRange`], whose message names the field and the
//! allowed range in both languages. The ranges are small enough that the
//! sums the storage layer keeps (a sheet's confirmed quantity: at most
//! `Capacity::MAX * Quantity::MAX`) fit an `i32` column with room to spare,
//! and the schema holds the same ranges as CHECKs.

use crate::Lang;

/// A number a user sends, by what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// A sign-up sheet's places.
    Capacity,
    /// What one person takes on a sheet ("2 boxes").
    Quantity,
    /// The most one person may take on a sheet.
    QuantityMax,
    /// The most everyone on a sheet may take together.
    QuantityTotal,
    /// People a task needs.
    Headcount,
    /// Days a roster or a group-buy timetable covers.
    Days,
    /// The hour a day's first shift or pickup window starts.
    StartHour,
    /// Length of a shift in hours.
    ShiftHours,
    /// Shifts in one day.
    ShiftsPerDay,
    /// People one shift needs.
    Needed,
    /// A fatigue limit in hours (a day's warning or maximum, a rest).
    DayHours,
    /// The most hours in a week.
    WeekHours,
    /// Length of a group-buy pickup window in minutes.
    WindowMinutes,
    /// Pickup windows in one day.
    Windows,
    /// Members of a volunteer group (the least or the most).
    GroupMembers,
    /// Compounds one group covers.
    GroupCompounds,
    /// A group's number in a proposal.
    GroupNumber,
    /// A 1-based page number.
    Page,
    /// Rows on one page.
    PerPage,
    /// Units of one item of a consignment (arrived, taken from a stock).
    SupplyQuantity,
    /// Units of an item per household or per person.
    PerShare,
    /// Units held back or written off.
    Reserve,
}

impl Field {
    /// Every field, for the message tests.
    pub const ALL: [Field; 22] = [
        Field::Capacity,
        Field::Quantity,
        Field::QuantityMax,
        Field::QuantityTotal,
        Field::Headcount,
        Field::Days,
        Field::StartHour,
        Field::ShiftHours,
        Field::ShiftsPerDay,
        Field::Needed,
        Field::DayHours,
        Field::WeekHours,
        Field::WindowMinutes,
        Field::Windows,
        Field::GroupMembers,
        Field::GroupCompounds,
        Field::GroupNumber,
        Field::Page,
        Field::PerPage,
        Field::SupplyQuantity,
        Field::PerShare,
        Field::Reserve,
    ];

    /// The allowed range, both ends included.
    pub const fn range(self) -> (i64, i64) {
        match self {
            Field::Capacity => (1, 10_000),
            Field::Quantity | Field::QuantityMax => (1, 10_000),
            Field::QuantityTotal => (1, 100_000_000),
            Field::Headcount => (1, 10_000),
            Field::Days => (1, 31),
            Field::StartHour => (0, 23),
            Field::ShiftHours => (1, 24),
            Field::ShiftsPerDay => (1, 24),
            Field::Needed => (1, 50),
            Field::DayHours => (1, 24),
            Field::WeekHours => (1, 168),
            Field::WindowMinutes => (10, 240),
            Field::Windows => (1, 24),
            Field::GroupMembers => (1, 50),
            Field::GroupCompounds => (1, 10),
            Field::GroupNumber => (1, 10_000),
            Field::Page => (1, 1_000_000),
            Field::PerPage => (1, 500),
            Field::SupplyQuantity => (1, 10_000_000),
            Field::PerShare => (1, 1_000),
            Field::Reserve => (0, 10_000_000),
        }
    }

    /// The locale key of the field's name.
    pub fn key(self) -> &'static str {
        match self {
            Field::Capacity => "bounds.field.capacity",
            Field::Quantity => "bounds.field.quantity",
            Field::QuantityMax => "bounds.field.quantity_max",
            Field::QuantityTotal => "bounds.field.quantity_total",
            Field::Headcount => "bounds.field.headcount",
            Field::Days => "bounds.field.days",
            Field::StartHour => "bounds.field.start_hour",
            Field::ShiftHours => "bounds.field.shift_hours",
            Field::ShiftsPerDay => "bounds.field.shifts_per_day",
            Field::Needed => "bounds.field.needed",
            Field::DayHours => "bounds.field.day_hours",
            Field::WeekHours => "bounds.field.week_hours",
            Field::WindowMinutes => "bounds.field.window_minutes",
            Field::Windows => "bounds.field.windows",
            Field::GroupMembers => "bounds.field.group_members",
            Field::GroupCompounds => "bounds.field.group_compounds",
            Field::GroupNumber => "bounds.field.group_number",
            Field::Page => "bounds.field.page",
            Field::PerPage => "bounds.field.per_page",
            Field::SupplyQuantity => "bounds.field.supply_quantity",
            Field::PerShare => "bounds.field.per_share",
            Field::Reserve => "bounds.field.reserve",
        }
    }

    /// `value` when it lies in the field's range, else the refusal.
    pub fn check(self, value: i64) -> Result<i64, OutOfRange> {
        let (min, max) = self.range();
        if (min..=max).contains(&value) { Ok(value) } else { Err(OutOfRange { field: self }) }
    }

    /// [`Field::check`] for any integer type (a `u64` beyond `i64` is out of range too).
    pub fn check_any<T: TryInto<i64>>(self, value: T) -> Result<i64, OutOfRange> {
        value.try_into().map_err(|_| OutOfRange { field: self }).and_then(|v| self.check(v))
    }
}

/// A number outside its field's range; it changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfRange {
    pub field: Field,
}

impl OutOfRange {
    pub fn message(&self, lang: Lang) -> String {
        let (min, max) = self.field.range();
        let field = crate::i18n::t(lang, self.field.key());
        crate::i18n::t_with(lang, "bounds.out_of_range", &[("field", &field), ("min", &min), ("max", &max)])
    }
}

impl std::fmt::Display for OutOfRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for OutOfRange {}

macro_rules! bounded {
    ($(#[$doc:meta])* $name:ident($inner:ty) = $field:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name($inner);

        impl $name {
            pub const FIELD: Field = $field;
            pub const MIN: $inner = $field.range().0 as $inner;
            pub const MAX: $inner = $field.range().1 as $inner;

            /// The value, when it lies in the field's range.
            pub fn new<T: TryInto<i64>>(value: T) -> Result<$name, OutOfRange> {
                let v = Self::FIELD.check_any(value)?;
                <$inner>::try_from(v).map($name).map_err(|_| OutOfRange { field: Self::FIELD })
            }

            pub fn get(self) -> $inner {
                self.0
            }
        }

        impl From<$name> for $inner {
            fn from(v: $name) -> $inner {
                v.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

bounded!(
    /// A sign-up sheet's places.
    Capacity(i32) = Field::Capacity
);
bounded!(
    /// What one person takes on a sheet.
    Quantity(i32) = Field::Quantity
);
bounded!(
    /// The most one person may take on a sheet.
    QuantityMax(i32) = Field::QuantityMax
);
bounded!(
    /// The most everyone on a sheet may take together.
    QuantityTotal(i32) = Field::QuantityTotal
);
bounded!(
    /// People a task needs.
    Headcount(i32) = Field::Headcount
);
bounded!(
    /// Days a roster or timetable covers.
    Days(u32) = Field::Days
);
bounded!(
    /// A 1-based page number.
    PageNo(u64) = Field::Page
);
bounded!(
    /// Rows on one page.
    PerPage(u64) = Field::PerPage
);

impl PageNo {
    pub const FIRST: PageNo = PageNo(1);

    /// Rows to skip for this page: cannot overflow, since both factors are bounded.
    pub fn offset(self, per_page: PerPage) -> u64 {
        (self.0 - 1) * per_page.0
    }
}

/// A page of rows asked for: the page number and its size, each bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub page: PageNo,
    pub per_page: PerPage,
}

impl Paging {
    /// The page and size a request sends (absent: page 1, `default_size` rows).
    pub fn parse(page: Option<u64>, per_page: Option<u64>, default_size: u64) -> Result<Paging, OutOfRange> {
        Ok(Paging {
            page: page.map(PageNo::new).transpose()?.unwrap_or(PageNo::FIRST),
            per_page: PerPage::new(per_page.unwrap_or(default_size))?,
        })
    }

    pub fn offset(self) -> u64 {
        self.page.offset(self.per_page)
    }

    pub fn limit(self) -> u64 {
        self.per_page.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_exists_only_inside_its_range() {
        assert_eq!(Quantity::new(1).map(Quantity::get), Ok(1));
        assert_eq!(Quantity::new(10_000).map(Quantity::get), Ok(10_000));
        assert_eq!(Quantity::new(0), Err(OutOfRange { field: Field::Quantity }));
        assert_eq!(Quantity::new(i32::MAX), Err(OutOfRange { field: Field::Quantity }));
        assert_eq!(PageNo::new(u64::MAX), Err(OutOfRange { field: Field::Page }));
        assert_eq!(PageNo::new(72_057_594_037_927_937u64), Err(OutOfRange { field: Field::Page }));
        // The largest sum a sheet keeps fits its i32 column.
        assert!(i64::from(Capacity::MAX) * i64::from(Quantity::MAX) <= i64::from(i32::MAX));
        assert!(i64::from(QuantityTotal::MAX) + i64::from(Quantity::MAX) <= i64::from(i32::MAX));
        let p = Paging::parse(Some(PageNo::MAX), Some(PerPage::MAX), 100).expect("the largest page");
        assert!(p.offset() < i64::MAX as u64);
    }
}

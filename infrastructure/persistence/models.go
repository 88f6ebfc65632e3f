package persistence

import "time"

// Row types mirror the tables of migrations/*/00001_schema.sql one to one; the
// repositories translate between them and the domain, so gorm tags never reach the domain.

type awardRow struct {
	ID        int64 `gorm:"primaryKey;autoIncrement:false"`
	Name      string
	Kind      string
	Content   string
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (awardRow) TableName() string { return "awards" }

type activityRow struct {
	ID           int64 `gorm:"primaryKey;autoIncrement:false"`
	Name         string
	Kind         string
	State        string
	BeginAt      time.Time
	EndAt        time.Time
	TimeZone     string
	Stock        int64
	PerUserTotal int64
	PerUserDaily int64
	CreatedBy    string
	EditedBy     string
	Version      int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (activityRow) TableName() string { return "activities" }

type strategyRow struct {
	ID         int64 `gorm:"primaryKey;autoIncrement:false"`
	ActivityID int64
	Mode       string
	CreatedAt  time.Time
}

func (strategyRow) TableName() string { return "strategies" }

type prizeSlotRow struct {
	ID             int64 `gorm:"primaryKey;autoIncrement:false"`
	StrategyID     int64
	ActivityID     int64
	Position       int
	AwardID        int64
	ProbabilityPPM int64 `gorm:"column:probability_ppm"`
	Stock          int64
	DailyQuota     int64
	ReleasePlan    string
}

func (prizeSlotRow) TableName() string { return "prize_slots" }

type transitionRow struct {
	ID         int64 `gorm:"primaryKey"`
	ActivityID int64
	Action     string
	FromState  string
	ToState    string
	Actor      string
	Reason     string
	CreatedAt  time.Time
}

func (transitionRow) TableName() string { return "activity_transitions" }

type blacklistRow struct {
	UserID    string `gorm:"primaryKey"`
	Reason    string
	CreatedBy string
	CreatedAt time.Time
}

func (blacklistRow) TableName() string { return "blacklist" }

package brief

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/brief/extract"
	"github.com/xentri/xentri/services/paging"
)

// ErrNoSession answers for a co-pilot session the org does not have.
var ErrNoSession = services.Errorf(services.NotFound, "This organisation has no such co-pilot session.")

func (s store) createSession(ctx context.Context, orgID uuid.UUID, by *uuid.UUID) (Session, error) {
	row, err := s.q.CreateCopilotSession(ctx, dbsqlc.CreateCopilotSessionParams{ID: uuid.Must(uuid.NewV7()), OrgID: orgID, StartedBy: by})
	if err != nil {
		return Session{}, db.Interpret("create co-pilot session", err, nil)
	}
	return sessionFromRow(row), nil
}

func (s store) session(ctx context.Context, orgID, id uuid.UUID, lock bool) (Session, error) {
	get := s.q.GetCopilotSession
	if lock {
		get = func(ctx context.Context, p dbsqlc.GetCopilotSessionParams) (dbsqlc.CopilotSession, error) {
			return s.q.LockCopilotSession(ctx, dbsqlc.LockCopilotSessionParams(p))
		}
	}
	row, err := get(ctx, dbsqlc.GetCopilotSessionParams{OrgID: orgID, ID: id})
	if err != nil {
		return Session{}, db.Interpret("get co-pilot session", err, ErrNoSession)
	}
	return sessionFromRow(row), nil
}

func (s store) sessions(ctx context.Context, orgID uuid.UUID, page paging.Page) ([]Session, string, error) {
	rows, err := s.q.ListCopilotSessions(ctx, dbsqlc.ListCopilotSessionsParams{OrgID: orgID, After: page.After, Lim: page.Fetch()})
	if err != nil {
		return nil, "", db.Interpret("list co-pilot sessions", err, nil)
	}
	out, next := paging.Paginate(rows, page.Limit, func(r dbsqlc.CopilotSession) uuid.UUID { return r.ID }, sessionFromRow)
	return out, next, nil
}

// endSession marks an open session ended; one already ended stays as it
// ended.
func (s store) endSession(ctx context.Context, orgID, id uuid.UUID, status string) error {
	_, err := s.q.EndCopilotSession(ctx, dbsqlc.EndCopilotSessionParams{OrgID: orgID, ID: id, Status: status})
	return db.Interpret("end co-pilot session", err, nil)
}

func (s store) messageByClientID(ctx context.Context, orgID, sessionID uuid.UUID, clientID string) (Message, bool, error) {
	row, err := s.q.GetCopilotMessageByClientID(ctx, dbsqlc.GetCopilotMessageByClientIDParams{OrgID: orgID, SessionID: sessionID, ClientMessageID: clientID})
	if errors.Is(err, pgx.ErrNoRows) {
		return Message{}, false, nil
	}
	if err != nil {
		return Message{}, false, db.Interpret("get co-pilot message", err, nil)
	}
	m, err := messageFromRow(row)
	return m, err == nil, err
}

func (s store) messages(ctx context.Context, orgID, sessionID uuid.UUID) ([]Message, error) {
	rows, err := s.q.ListCopilotMessages(ctx, dbsqlc.ListCopilotMessagesParams{OrgID: orgID, SessionID: sessionID})
	if err != nil {
		return nil, db.Interpret("list co-pilot messages", err, nil)
	}
	out := make([]Message, 0, len(rows))
	for _, r := range rows {
		m, err := messageFromRow(r)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// recentMessages are the org's latest n messages across its sessions,
// oldest first.
func (s store) recentMessages(ctx context.Context, orgID uuid.UUID, n int) ([]Message, error) {
	rows, err := s.q.ListRecentCopilotMessages(ctx, dbsqlc.ListRecentCopilotMessagesParams{OrgID: orgID, Lim: int32(n)})
	if err != nil {
		return nil, db.Interpret("list recent co-pilot messages", err, nil)
	}
	out := make([]Message, len(rows))
	for i, r := range rows {
		m, err := messageFromRow(r)
		if err != nil {
			return nil, err
		}
		out[len(rows)-1-i] = m
	}
	return out, nil
}

func (s store) addMessage(ctx context.Context, orgID, sessionID uuid.UUID, m Message) (Message, error) {
	facts, err := json.Marshal(m.Facts)
	if err != nil {
		return Message{}, fmt.Errorf("encode facts: %w", err)
	}
	reply, err := json.Marshal(m.Reply)
	if err != nil {
		return Message{}, fmt.Errorf("encode reply: %w", err)
	}
	row, err := s.q.AddCopilotMessage(ctx, dbsqlc.AddCopilotMessageParams{
		ID: m.ID, OrgID: orgID, SessionID: sessionID, Turn: int32(m.Turn), ClientMessageID: m.ClientMessageID,
		Kind: m.Kind, Text: m.Text, Facts: facts, Reply: reply,
	})
	if err != nil {
		return Message{}, db.Interpret("add co-pilot message", err, nil)
	}
	return messageFromRow(row)
}

func sessionFromRow(r dbsqlc.CopilotSession) Session {
	return Session{ID: r.ID, Status: r.Status, StartedBy: r.StartedBy, CreatedAt: r.CreatedAt, EndedAt: r.EndedAt}
}

func messageFromRow(r dbsqlc.CopilotMessage) (Message, error) {
	m := Message{ID: r.ID, Turn: int(r.Turn), ClientMessageID: r.ClientMessageID, Kind: r.Kind, Text: r.Text, CreatedAt: r.CreatedAt}
	if err := json.Unmarshal(r.Facts, &m.Facts); err != nil {
		return Message{}, fmt.Errorf("decode message facts: %w", err)
	}
	if err := json.Unmarshal(r.Reply, &m.Reply); err != nil {
		return Message{}, fmt.Errorf("decode message reply: %w", err)
	}
	if m.Facts == nil {
		m.Facts = []extract.Fact{}
	}
	return m, nil
}

package eventhub

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// said keeps the client's last failure (a refused sign-in, a broker not
// reached): the client retries them on its own, and a Read that got
// nothing says why with it. The client tells a failed sign-in only as a
// connection that failed, at its debug level: every message is looked at,
// only those with an error kept. The connection string, the one
// secret, is cut out of anything kept.
type said struct {
	mu     sync.Mutex
	last   string
	secret string
	// refused is closed when a broker refused the sign-in
	// (SASL_AUTHENTICATION_FAILED: a key rotated, a role withdrawn): the
	// client would retry it until the read's limit, and no retry will
	// pass.
	refused     chan struct{}
	refusedOnce sync.Once
}

// newSaid is a said whose refusal can be waited for.
func newSaid() *said { return &said{refused: make(chan struct{})} }

// wasRefused reports whether a broker refused the sign-in.
func (s *said) wasRefused() bool {
	select {
	case <-s.refused:
		return true
	default:
		return false
	}
}

func (s *said) Level() kgo.LogLevel { return kgo.LogLevelDebug }

func (s *said) Log(_ kgo.LogLevel, msg string, keyvals ...any) {
	text := ""
	for i := 0; i+1 < len(keyvals); i += 2 {
		if keyvals[i] == "err" && keyvals[i+1] != nil {
			text = fmt.Sprintf("%s: %v", msg, keyvals[i+1])
			if err, ok := keyvals[i+1].(error); ok && errors.Is(err, kerr.SaslAuthenticationFailed) {
				s.refusedOnce.Do(func() { close(s.refused) })
			}
		}
	}
	if text == "" {
		return // not a failure
	}
	s.mu.Lock()
	s.last = s.hide(text)
	s.mu.Unlock()
}

// why is the last thing said, or "".
func (s *said) why() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// lastly is the last failure said, as a clause to end an error with.
func (s *said) lastly() string {
	if w := s.why(); w != "" {
		return " (the client's last failure: " + w + ")"
	}
	return ""
}

// hide cuts the secret out of text.
func (s *said) hide(text string) string {
	if s.secret == "" {
		return text
	}
	return strings.ReplaceAll(text, s.secret, "…")
}

// hidden is err with the secret cut out of its text.
func (s *said) hidden(err error) error {
	if err == nil || s.secret == "" || !strings.Contains(err.Error(), s.secret) {
		return err
	}
	return errors.New(s.hide(err.Error()))
}

package azure

import (
	"context"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// tokenMemory wraps the credential and remembers the tokens it handed out,
// so that no error text a server echoes back (some echo request headers)
// can carry a bearer token into a dataset, a saved capture or a log.
type tokenMemory struct {
	azcore.TokenCredential
	mu     sync.Mutex
	tokens []string
}

// GetToken implements azcore.TokenCredential.
func (m *tokenMemory) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := m.TokenCredential.GetToken(ctx, o)
	if err == nil && tok.Token != "" {
		m.mu.Lock()
		m.tokens = append(m.tokens, tok.Token)
		m.mu.Unlock()
	}
	return tok, err
}

// redact replaces every token handed out so far in s.
func (m *tokenMemory) redact(s string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range m.tokens {
		s = strings.ReplaceAll(s, t, "[REDACTED]")
	}
	return s
}

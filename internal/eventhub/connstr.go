package eventhub

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
)

// Event Hubs' Kafka endpoint listens on the namespace's host, port 9093.
const (
	kafkaPort   = "9093"
	hostSuffix  = ".servicebus.windows.net"
	maxConnText = 4096
)

// Conn is what an Event Hubs connection string says. Key is the secret:
// nothing prints it, and errors about the string never quote it.
type Conn struct {
	Host    string // the namespace's host (Endpoint=sb://HOST/)
	KeyName string // SharedAccessKeyName
	Hub     string // EntityPath, when the string is one event hub's
	text    string // the whole string: the Kafka endpoint's password
}

// String names the namespace and never the key.
func (c Conn) String() string { return "Event Hubs connection string for " + c.Host }

// ParseConnectionString reads an Event Hubs connection string
// (Endpoint=sb://NAMESPACE.servicebus.windows.net/;SharedAccessKeyName=…;
// SharedAccessKey=…[;EntityPath=HUB]), as the portal gives it for a
// namespace or one event hub.
func ParseConnectionString(s string) (Conn, error) {
	s = strings.TrimSpace(s)
	if len(s) > maxConnText {
		return Conn{}, errors.New("the Event Hubs connection string is longer than any Azure gives")
	}
	c := Conn{text: s}
	var key bool
	for part := range strings.SplitSeq(s, ";") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			return Conn{}, errors.New("the Event Hubs connection string has a part that is not NAME=VALUE (its parts are not quoted here: one is the key)")
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "endpoint":
			h := strings.TrimSpace(value)
			h, ok = strings.CutPrefix(h, "sb://")
			if !ok {
				return Conn{}, errors.New("the Event Hubs connection string's Endpoint is not sb://NAMESPACE.servicebus.windows.net/")
			}
			c.Host = strings.ToLower(strings.TrimSuffix(h, "/"))
		case "sharedaccesskeyname":
			c.KeyName = strings.TrimSpace(value)
		case "sharedaccesskey":
			key = strings.TrimSpace(value) != ""
		case "entitypath":
			c.Hub = strings.TrimSpace(value)
		}
	}
	switch {
	case c.Host == "" || !validHost(c.Host):
		return Conn{}, errors.New("the Event Hubs connection string names no namespace (Endpoint=sb://NAMESPACE.servicebus.windows.net/)")
	case c.KeyName == "" || !key:
		return Conn{}, errors.New("the Event Hubs connection string has no SharedAccessKeyName and SharedAccessKey (a shared access policy's string, from the portal's Shared access policies)")
	case c.Hub != "" && !ValidHub(c.Hub):
		return Conn{}, fmt.Errorf("the Event Hubs connection string's EntityPath is not an event hub's name")
	}
	return c, nil
}

// Broker returns the Kafka endpoint of an Event Hubs namespace given as
// its name (contoso-logs), its host (contoso-logs.servicebus.windows.net,
// or a sovereign cloud's), or a host and port.
func Broker(namespace string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(namespace))
	n = strings.TrimSuffix(strings.TrimPrefix(n, "sb://"), "/")
	if h, p, err := net.SplitHostPort(n); err == nil {
		if !validHost(h) || p == "" {
			return "", errors.New("not an Event Hubs namespace (NAME, NAME.servicebus.windows.net or HOST:PORT)")
		}
		return n, nil
	}
	if !strings.Contains(n, ".") {
		n += hostSuffix
	}
	if !validHost(n) {
		return "", errors.New("not an Event Hubs namespace (NAME, NAME.servicebus.windows.net or HOST:PORT)")
	}
	return net.JoinHostPort(n, kafkaPort), nil
}

// hostName is a DNS name, or an address for a test's broker.
var hostName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?)*$`)

func validHost(h string) bool {
	return len(h) <= 253 && (hostName.MatchString(h) || net.ParseIP(strings.Trim(h, "[]")) != nil)
}

// hubName is an event hub's (a Kafka topic's) name: letters, digits,
// periods, hyphens and underscores, as both allow. It names a folder, so
// it never is "." or "..".
var hubName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,255}$`)

// ValidHub reports whether name can be an event hub's (a topic's) name.
func ValidHub(name string) bool {
	return hubName.MatchString(name)
}

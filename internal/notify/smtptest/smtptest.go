// Package smtptest runs an SMTP server on the loopback for tests, as
// net/http/httptest runs an HTTP one: it answers as RFC 5321 has a server
// answer and keeps what it was sent.
package smtptest

import (
	"encoding/base64"
	"io"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
)

// Server is an SMTP server on the loopback that keeps what it received:
// each message, its envelope and the AUTH PLAIN credentials it was given.
type Server struct {
	Addr     string // host:port
	reject   string // e.g. "451 4.3.0 try later"
	mu       sync.Mutex
	mails    []Mail
	sessions int
}

// Mail is one message the server took.
type Mail struct {
	From string
	To   []string
	Auth string // AUTH PLAIN's user\x00password, decoded; empty without
	Data string // the message, headers and body, as sent
}

// NewServer starts a server that takes every message, or answers each
// MAIL FROM with reject when it is not empty ("451 4.3.0 try later");
// it stops when the test ends.
func NewServer(t *testing.T, reject string) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &Server{Addr: ln.Addr().String(), reject: reject}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.session(c)
		}
	}()
	return s
}

func (s *Server) session(c net.Conn) {
	defer c.Close()
	s.mu.Lock()
	s.sessions++
	s.mu.Unlock()
	tp := textproto.NewConn(c)
	tp.PrintfLine("220 mail.example ESMTP")
	var r Mail
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			tp.PrintfLine("250-mail.example\r\n250-AUTH PLAIN\r\n250 8BITMIME")
		case "AUTH":
			_, b64, _ := strings.Cut(arg, " ")
			b, _ := base64.StdEncoding.DecodeString(b64)
			r.Auth = strings.TrimPrefix(string(b), "\x00")
			tp.PrintfLine("235 2.7.0 accepted")
		case "MAIL":
			if s.reject != "" {
				tp.PrintfLine("%s", s.reject)
				continue
			}
			from, _, _ := strings.Cut(strings.TrimPrefix(arg, "FROM:"), " ") // then BODY=8BITMIME
			r.From = strings.Trim(from, "<>")
			tp.PrintfLine("250 2.1.0 ok")
		case "RCPT":
			r.To = append(r.To, strings.Trim(strings.TrimPrefix(arg, "TO:"), "<>"))
			tp.PrintfLine("250 2.1.5 ok")
		case "DATA":
			tp.PrintfLine("354 go on")
			b, _ := io.ReadAll(tp.DotReader())
			r.Data = string(b)
			s.mu.Lock()
			s.mails = append(s.mails, r)
			s.mu.Unlock()
			tp.PrintfLine("250 2.0.0 queued")
		case "QUIT":
			tp.PrintfLine("221 2.0.0 bye")
			return
		default:
			tp.PrintfLine("502 5.5.2 what")
		}
	}
}

// Sessions is how many connections the server took.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// Received returns the messages taken so far.
func (s *Server) Received() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

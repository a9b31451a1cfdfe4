package stream

import "errors"

// IsPermanent reports whether err was marked with Permanent: the entry goes
// to the dead letter stream without further attempts.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

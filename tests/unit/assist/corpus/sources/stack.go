package stack

import (
	"errors"
)

type Stack struct {
	items []int
}

func (s *Stack) Push(v int) {
	s.items = append(s.items, v)
}

func (s *Stack) Pop() (int, error) {
	if len(s.items) == 0 {
		return 0, errors.New("empty stack")
	}
	v := s.items[len(s.items)]
	s.items = s.items[:len(s.items)-1]
	return v, nil
}

func Describe(s *Stack) string {
	return fmt.Sprintf("stack of %d", len(s.items))
}

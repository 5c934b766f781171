// A clean Go program: a file and a loopback connection, both closed.
package main

import (
	"fmt"
	"net"
	"os"
)

func main() {
	f, err := os.CreateTemp("", "fdaudit-go-")
	if err != nil {
		panic(err)
	}
	f.Close()
	os.Remove(f.Name())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Close()
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		panic(err)
	}
	c.Close()
	ln.Close()
	fmt.Println("ok")
}

// etcd_bench: the etcd side of the README's comparison. Closed-loop clients,
// each sending Put after Put of a fixed-size value to a random key, for a fixed
// duration after a warm-up; reports ops/s and latency percentiles in the same
// shape as `quorum bench --json`. Built by run.sh against Debian's etcd client
// library (golang-etcd-server-dev), so nothing is downloaded.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/clientv3"
)

type result struct {
	OpsPerSec float64 `json:"ops_per_sec"`
	P50us     int64   `json:"p50_us"`
	P99us     int64   `json:"p99_us"`
	P999us    int64   `json:"p999_us"`
	MaxUs     int64   `json:"max_us"`
	Ops       int     `json:"ops"`
	Errors    int     `json:"errors"`
	Clients   int     `json:"clients"`
	Conns     int     `json:"conns"`
	ValueB    int     `json:"value_bytes"`
	Keys      int     `json:"keys"`
	Duration  float64 `json:"duration_s"`
	Target    string  `json:"target"`
}

func percentile(sorted []time.Duration, p float64) int64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p / 100 * float64(len(sorted)-1))
	return sorted[i].Microseconds()
}

func main() {
	endpoints := flag.String("endpoints", "127.0.0.1:2379", "comma-separated client URLs")
	clients := flag.Int("clients", 50, "concurrent closed-loop clients")
	conns := flag.Int("conns", 50, "gRPC connections shared round-robin by the clients")
	valueBytes := flag.Int("value-bytes", 16, "value size")
	keys := flag.Int("keys", 100000, "distinct keys")
	duration := flag.Duration("duration", 10*time.Second, "measured time")
	warmup := flag.Duration("warmup", time.Second, "unmeasured time first")
	asJSON := flag.Bool("json", false, "one JSON object on stdout")
	flag.Parse()

	eps := strings.Split(*endpoints, ",")
	cs := make([]*clientv3.Client, *conns)
	for i := range cs {
		c, err := clientv3.New(clientv3.Config{Endpoints: eps, DialTimeout: 5 * time.Second})
		if err != nil {
			fmt.Fprintln(os.Stderr, "etcd_bench:", err)
			os.Exit(1)
		}
		defer c.Close()
		cs[i] = c
	}
	value := strings.Repeat("v", *valueBytes)
	start := time.Now()
	measureFrom := start.Add(*warmup)
	end := measureFrom.Add(*duration)

	var mu sync.Mutex
	var all []time.Duration
	errors := 0
	var wg sync.WaitGroup
	for w := 0; w < *clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c := cs[w%len(cs)]
			rng := rand.New(rand.NewSource(int64(w) + 1))
			var lat []time.Duration
			errs := 0
			for {
				t0 := time.Now()
				if t0.After(end) {
					break
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				_, err := c.Put(ctx, fmt.Sprintf("key:%d", rng.Intn(*keys)), value)
				cancel()
				t1 := time.Now()
				if t0.Before(measureFrom) || t1.After(end) {
					continue
				}
				if err != nil {
					errs++
					continue
				}
				lat = append(lat, t1.Sub(t0))
			}
			mu.Lock()
			all = append(all, lat...)
			errors += errs
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	r := result{
		OpsPerSec: float64(len(all)) / duration.Seconds(),
		P50us:     percentile(all, 50),
		P99us:     percentile(all, 99),
		P999us:    percentile(all, 99.9),
		Ops:       len(all),
		Errors:    errors,
		Clients:   *clients,
		Conns:     *conns,
		ValueB:    *valueBytes,
		Keys:      *keys,
		Duration:  duration.Seconds(),
		Target:    *endpoints,
	}
	if len(all) > 0 {
		r.MaxUs = all[len(all)-1].Microseconds()
	}
	if *asJSON {
		out, _ := json.Marshal(r)
		fmt.Println(string(out))
		return
	}
	fmt.Printf("etcd_bench: %s\n  clients %d over %d connections, value %d B, keys %d, %.1f s after %.1f s warm-up\n\n",
		r.Target, r.Clients, r.Conns, r.ValueB, r.Keys, r.Duration, warmup.Seconds())
	fmt.Printf("  %-12s %d\n  %-12s %.0f ops/s\n  %-12s p50 %d  p99 %d  p99.9 %d  max %d\n  %-12s %d\n",
		"ops", r.Ops, "throughput", r.OpsPerSec, "latency (us)", r.P50us, r.P99us, r.P999us, r.MaxUs, "errors", r.Errors)
}

# atari_beam_rider_curves.gp, written by notebooks/sprig.ipynb; data in atari_beam_rider_curves.dat.
set terminal pngcairo size 1000,600 enhanced font "Helvetica,11" background rgb "white"
set output "atari_beam_rider_curves.png"
set termoption noenhanced
set title "Atari BeamRider: training return (mean over 2%-of-steps windows), mean over complete seeds, band +- 1 sd; dotted: partial seeds"
set xlabel "environment steps"
set ylabel "training episode return"
set grid
set key top left
set format x "%.1s%c"
set xrange [0:2000000]
set key top left font ',9'
set label 1 'dashed: published returns at 10M steps (5x this axis), for scale only' at graph 0.98, graph 0.04 right
plot 'atari_beam_rider_curves.dat' index 0 using 1:3:4 with filledcurves fc rgb '#1f77b4' fs transparent solid 0.15 notitle, 'atari_beam_rider_curves.dat' index 0 using 1:2 with lines lw 2 lc rgb '#1f77b4' title 'PPO, plain CNN (2 seeds)', 'atari_beam_rider_curves.dat' index 1 using 1:3:4 with filledcurves fc rgb '#ff7f0e' fs transparent solid 0.15 notitle, 'atari_beam_rider_curves.dat' index 1 using 1:2 with lines lw 2 lc rgb '#ff7f0e' title 'PPO, attention end to end (2 seeds)', 'atari_beam_rider_curves.dat' index 2 using 1:3:4 with filledcurves fc rgb '#d62728' fs transparent solid 0.15 notitle, 'atari_beam_rider_curves.dat' index 2 using 1:2 with lines lw 2 lc rgb '#d62728' title 'SPRIG (2 seeds)', 850.0 with lines dt 2 lw 1.5 lc rgb '#d62728' title 'SPRIG, paper, 10M steps, 5 seeds: ~850', 650.0 with lines dt 2 lw 1.5 lc rgb '#1f77b4' title 'PPO, paper, 10M steps, 5 seeds: ~650', '+' using 1:(1431.0):(2401.0) with filledcurves fc rgb '#555555' fs transparent solid 0.07 notitle, 1916.0 with lines dt 2 lw 1.5 lc rgb '#555555' title 'CleanRL ppo_atari, 10M steps, 3 seeds: ~1916 +- 485'
